-- Onboardings erased on request: only the reference is kept, so that their finished runs,
-- still in Temporal's history, are answered as unknown.
CREATE TABLE erased_onboardings (
    reference  text PRIMARY KEY,
    erased_at  timestamptz NOT NULL DEFAULT now()
);
