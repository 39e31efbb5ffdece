-- A client's Idempotency-Key for a submitted request: a retry returns the same reference,
-- even after that onboarding has ended.
CREATE TABLE idempotency_keys (
    key          text PRIMARY KEY,
    reference    text NOT NULL,
    request_hash text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
