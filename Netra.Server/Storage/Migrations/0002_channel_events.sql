-- Durable events of every channel except chats (a chat's messages are its events: messages.seq, with
-- chats.last_seq as the head). channel_heads.last_seq is a channel's head; an event takes last_seq + 1 in
-- the statement that stores it, so each channel's seq is gapless and strictly increasing whatever node
-- writes. payload is the event exactly as clients receive it (seq included), so a replay is a read.

CREATE TABLE channel_heads (
    channel  text   PRIMARY KEY,
    kind     text   NOT NULL, -- feed, issues, issue, alerts, custom: selects the retention policy
    last_seq bigint NOT NULL
);

CREATE TABLE channel_events (
    channel    text        NOT NULL,
    seq        bigint      NOT NULL,
    type       text        NOT NULL,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, seq)
);

-- For the retention job, which drops events older than a kind's age limit.
CREATE INDEX channel_events_created_at_idx ON channel_events (created_at);
