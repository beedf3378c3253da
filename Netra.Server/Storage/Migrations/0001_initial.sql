-- Users, chats, members and messages. Every chat keeps its head sequence number in
-- chats.last_seq; a message takes last_seq + 1 in the statement that stores it, so the
-- sequence of a chat is gapless and strictly increasing whatever node writes.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name     text        NOT NULL,
    display_name  text        NOT NULL,
    password_hash text        NOT NULL,
    roles         text[]      NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- User names are unique regardless of case: "Alice" and "alice" are one account.
CREATE UNIQUE INDEX users_user_name_key ON users (lower(user_name));

CREATE TABLE chats (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      text        NOT NULL,
    created_by bigint      NOT NULL REFERENCES users (id),
    last_seq   bigint      NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_members (
    chat_id   bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id   bigint      NOT NULL REFERENCES users (id),
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id)
);

CREATE INDEX chat_members_user_id_idx ON chat_members (user_id);

CREATE TABLE messages (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id           bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq               bigint      NOT NULL,
    sender_id         bigint      NOT NULL REFERENCES users (id),
    content           text        NOT NULL,
    attachment        text        NULL,
    client_message_id text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_chat_seq_key UNIQUE (chat_id, seq),
    CONSTRAINT messages_sender_client_message_id_key UNIQUE (sender_id, client_message_id)
);
