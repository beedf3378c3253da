-- When each user was last connected: set when they come online and when their last connection closes
-- (or their node is found dead), so an offline user's "last seen" survives restarts.
ALTER TABLE users ADD COLUMN last_seen_at timestamptz NULL;
