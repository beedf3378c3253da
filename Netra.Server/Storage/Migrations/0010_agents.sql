-- The user agents' answers are stored as. Its name cannot be registered (user names are letters,
-- digits, '.', '_' and '-') and it cannot log in: no password matches an empty hash. It joins a
-- chat the first time a run linked to that chat stores an answer there.
INSERT INTO users (user_name, display_name, password_hash, roles)
VALUES ('netra:agent', 'Netra Agent', '', '{agent}');
