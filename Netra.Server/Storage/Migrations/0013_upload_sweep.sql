-- Uploads that no message carries are deleted after Netra:Uploads:UnattachedHours (UploadSweeper).
-- last_used_at: when the upload was last offered as a message's attachment, so that a send in flight keeps its file.
ALTER TABLE uploads ADD COLUMN last_used_at timestamptz;
-- The sweep asks, per upload, whether a message still carries it.
CREATE INDEX messages_attachment_idx ON messages (attachment) WHERE attachment IS NOT NULL;
