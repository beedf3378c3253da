-- A chat created with read receipts on tells its members when another member has read up to a seq.
ALTER TABLE chats ADD COLUMN read_receipts boolean NOT NULL DEFAULT false;
