-- Posts and comments of the feed. Each one is also a durable event of the `feed` channel, stored in the
-- same transaction (channel_events); seq is the feed seq it took there.
CREATE TABLE posts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id  bigint      NOT NULL REFERENCES users (id),
    content    text        NOT NULL,
    seq        bigint      NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE comments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    bigint      NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  bigint      NOT NULL REFERENCES users (id),
    content    text        NOT NULL,
    seq        bigint      NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX comments_post_id_idx ON comments (post_id, id);

-- Personal notifications, read or unread.
CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id),
    type       text        NOT NULL,
    data       jsonb       NOT NULL,
    is_read    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notifications_user_id_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE NOT is_read;

-- Connection requests between users: pending until the recipient accepts. One row per pair of users,
-- whichever way it was asked, so a second request either way is refused while one is pending or accepted.
CREATE TABLE connection_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_user_id bigint      NOT NULL REFERENCES users (id),
    to_user_id   bigint      NOT NULL REFERENCES users (id),
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    accepted_at  timestamptz NULL,
    CHECK (from_user_id <> to_user_id)
);

CREATE UNIQUE INDEX connection_requests_pair_key ON connection_requests (LEAST(from_user_id, to_user_id), GREATEST(from_user_id, to_user_id));
CREATE INDEX connection_requests_to_user_id_idx ON connection_requests (to_user_id);

-- Uploaded files: stored on disk under the upload directory as `name`, served at /uploads/{name} with
-- content_type (what the bytes were recognised as, never what the client declared).
CREATE TABLE uploads (
    name          text        PRIMARY KEY,
    owner_id      bigint      NOT NULL REFERENCES users (id),
    content_type  text        NOT NULL,
    size_bytes    bigint      NOT NULL,
    original_name text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX uploads_owner_id_idx ON uploads (owner_id);
