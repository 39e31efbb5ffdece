-- A salesperson's request to the applicant for information and documents, while the lead
-- stays open. The message is kept here, never in the run's history. The link's token is
-- kept only as its SHA-256 (`token_hash`) and the salt it is computed from (see
-- accounts/request_links.py); the link works while the request is open or answered and
-- `expires_at` (the end of the due date in the shop's time zone) has not passed.
CREATE TABLE information_requests (
    id          text PRIMARY KEY,
    reference   text NOT NULL,
    lead_id     text NOT NULL,
    message     text NOT NULL,
    documents   text[] NOT NULL,
    due         date NOT NULL,
    expires_at  timestamptz NOT NULL,
    status      text NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'answered', 'closed', 'expired')),
    created_by  text NOT NULL,
    token_salt  text NOT NULL,
    token_hash  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz
);
CREATE INDEX information_requests_by_lead ON information_requests (lead_id, created_at);
CREATE INDEX information_requests_by_reference ON information_requests (reference);
