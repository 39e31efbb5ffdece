-- A pending factor belongs to the session that began it (the hash of its id): its secret is
-- shown to that session alone, and another session of the account begins one of its own.
-- NULL once verified, and for rows pending before this column, which no session then owns.
ALTER TABLE totp_factors ADD COLUMN session_hash text;
