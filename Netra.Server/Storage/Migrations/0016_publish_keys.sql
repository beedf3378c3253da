-- Idempotency keys of the service publish APIs (the Idempotency-Key header): a call that repeats a stored one with
-- the same key, per service, stores nothing and is answered with the seqs the first one took. fingerprint identifies
-- the request (operation and events), so a key reused for a different request is refused. Kept 24 hours.
CREATE TABLE publish_keys (
    service_id  bigint      NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    seqs        bigint[]    NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, key)
);

CREATE INDEX publish_keys_created_at_idx ON publish_keys (created_at);
