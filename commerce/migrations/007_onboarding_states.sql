-- What each onboarding's run last published of its state, so staff reads need no query of
-- the run. A version only ever replaces a lower one: a retried or late write changes nothing.
CREATE TABLE onboarding_states (
    reference  text PRIMARY KEY,
    version    integer NOT NULL,
    state      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
