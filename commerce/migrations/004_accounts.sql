-- Partner and staff accounts: passwords, one-time links, server-side sessions, sign-in throttle.

ALTER TABLE site_users DROP CONSTRAINT site_users_status_check;
ALTER TABLE site_users ADD CONSTRAINT site_users_status_check
    CHECK (status IN ('invited', 'active', 'removed', 'expired'));
ALTER TABLE site_users
    ADD COLUMN password_hash    text,
    ADD COLUMN activated_at     timestamptz,
    ADD COLUMN last_sign_in_at  timestamptz,
    ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now(),
    -- Per order, in the organization's currency; NULL: the credit limit alone applies.
    ADD COLUMN spending_limit   numeric(17, 2) CHECK (spending_limit >= 0);

-- Staff members sign in as themselves: lead owners and timelines name the account.
CREATE TABLE staff_accounts (
    id              text PRIMARY KEY,
    email           text NOT NULL,
    name            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    password_hash   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    activated_at    timestamptz,
    last_sign_in_at timestamptz
);
CREATE UNIQUE INDEX staff_accounts_email ON staff_accounts (lower(email));

-- Links that let a user set a password. Only a hash of each token is kept; a token works
-- once (used_at) and until it expires.
CREATE TABLE account_tokens (
    token_hash text PRIMARY KEY,
    audience   text NOT NULL CHECK (audience IN ('site', 'staff')),
    account_id text NOT NULL,
    purpose    text NOT NULL CHECK (purpose IN ('activation', 'reset')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX account_tokens_account ON account_tokens (audience, account_id);

-- Approval emails sent before this change carry a token whose hash site_users kept: those
-- links keep working once, for the default activation period from now.
INSERT INTO account_tokens (token_hash, audience, account_id, purpose, expires_at)
SELECT activation_token_hash, 'site', id, 'activation', now() + interval '7 days'
FROM site_users
WHERE status = 'invited' AND activation_token_hash IS NOT NULL
ON CONFLICT (token_hash) DO NOTHING;

-- Server-side sessions: the cookie holds a random id, this table its hash.
CREATE TABLE sessions (
    id_hash      text PRIMARY KEY,
    audience     text NOT NULL CHECK (audience IN ('site', 'staff')),
    account_id   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (audience, account_id);

-- Failed sign-ins per account name and per client address. The key is what was typed,
-- known account or not, so a lock says nothing about which accounts exist.
CREATE TABLE sign_in_failures (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL
);
