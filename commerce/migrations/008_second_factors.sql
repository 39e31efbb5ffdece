-- Second factors of staff and partner accounts: a TOTP secret per account and its one-time
-- recovery codes.

-- The secret is sealed (AES-GCM) under the named key `key_id`, so keys can rotate. Pending
-- until a first code proves the app holds it (verified_at). last_step is the time step of
-- the code accepted last: only a later step is accepted next, so a code works once.
CREATE TABLE totp_factors (
    audience      text NOT NULL CHECK (audience IN ('site', 'staff')),
    account_id    text NOT NULL,
    key_id        text NOT NULL,
    sealed_secret bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    verified_at   timestamptz,
    last_step     bigint,
    PRIMARY KEY (audience, account_id)
);

-- Only digests of the codes are kept; a code works once (used_at). They go with the factor.
CREATE TABLE recovery_codes (
    audience   text NOT NULL,
    account_id text NOT NULL,
    digest     text NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (audience, account_id, digest),
    FOREIGN KEY (audience, account_id) REFERENCES totp_factors ON DELETE CASCADE
);
