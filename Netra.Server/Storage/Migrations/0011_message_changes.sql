-- Edits and deletes are durable events of their chat: each takes the chat's next seq (chats.last_seq, shared
-- with messages), so a client resuming after it still applies it, in order. messages keeps the current state;
-- message_changes keeps the events for replay. chat_members.last_read_seq is each member's read position.

ALTER TABLE messages
    ADD COLUMN edited_at  timestamptz NULL,
    ADD COLUMN deleted_at timestamptz NULL;

CREATE TABLE message_changes (
    chat_id    bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    message_id bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('edited', 'deleted')),
    content    text        NULL, -- an edit's new content, so that a replay shows the message as it was then
    changed_by bigint      NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, seq)
);

ALTER TABLE chat_members ADD COLUMN last_read_seq bigint NOT NULL DEFAULT 0;
