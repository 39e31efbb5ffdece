-- Company verification: what the registries said about the identifiers of an onboarding's
-- company (corporate number, invoice registration number, VAT number), kept as evidence.

-- One row per number checked, written once: a retried check finds its row and writes nothing.
CREATE TABLE company_checks (
    reference          text NOT NULL,
    registry           text NOT NULL
        CHECK (registry IN ('nta_corporate', 'nta_invoice', 'vies')),
    number             text NOT NULL,
    status             text NOT NULL
        CHECK (status IN ('verified', 'mismatch', 'not_found', 'closed',
                          'registration_cancelled')),
    registered_name    text,
    registered_address text,
    -- closing date and cause, registration dates, the VIES consultation number, ...
    details            jsonb NOT NULL,
    -- the values the registry returned, parsed
    evidence           jsonb NOT NULL,
    checked_at         timestamptz NOT NULL,
    PRIMARY KEY (reference, registry, number)
);

-- The onboarding's verification while a registry has not answered: since when, the last
-- attempt and its reason. `resolved_at` is set once every number has its check.
CREATE TABLE company_verifications (
    reference       text PRIMARY KEY,
    pending_since   timestamptz NOT NULL,
    last_attempt_at timestamptz NOT NULL,
    attempts        integer NOT NULL,
    reason          text,
    resolved_at     timestamptz
);
