-- Revoking a service user's tokens: those issued before tokens_valid_after are refused (ServiceTokens.RevokeAsync).
ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz;
