-- Uploads in progress, counted against their uploader's quotas (Netra:Uploads:MaxUnattachedBytesPerUser and
-- MaxBytesPerUserPerDay) from the check before the body is read until the upload is recorded or refused, so that
-- uploads sent at the same moment cannot all pass the check. bytes is the request's declared length. A node that
-- stops mid-upload leaves its row behind: it stops counting at expires_at and the upload sweep deletes it.
CREATE TABLE upload_reservations (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id   bigint      NOT NULL REFERENCES users (id),
    bytes      bigint      NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX upload_reservations_owner_id_idx ON upload_reservations (owner_id);
