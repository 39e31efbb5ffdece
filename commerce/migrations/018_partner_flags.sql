-- Partner flags: what the monthly re-check of an approved partner found against it in a
-- registry (the company closed or merged away, its invoice registration cancelled), with the
-- registry's evidence, until staff clear it with a reason.

-- One row per finding: the same finding on a later run finds its row and writes nothing, so
-- a flag staff cleared stays cleared while the registry says the same. A new finding (another
-- status, another number) is a new flag.
CREATE TABLE partner_flags (
    id                 bigserial PRIMARY KEY,
    hierarchy_id       text NOT NULL REFERENCES customer_hierarchies (id),
    registry           text NOT NULL
        CHECK (registry IN ('nta_corporate', 'nta_invoice', 'vies')),
    number             text NOT NULL,
    status             text NOT NULL CHECK (status IN ('closed', 'registration_cancelled')),
    registered_name    text,
    registered_address text,
    -- closing date and cause, cancellation date, ...
    details            jsonb NOT NULL,
    -- the values the registry returned, parsed
    evidence           jsonb NOT NULL,
    checked_at         timestamptz NOT NULL,
    raised_at          timestamptz NOT NULL DEFAULT now(),
    -- staff's clearing: the account id, and why
    cleared_at         timestamptz,
    cleared_by         text,
    clear_reason       text,
    UNIQUE (hierarchy_id, registry, number, status),
    CHECK ((cleared_at IS NULL) = (cleared_by IS NULL) AND (cleared_at IS NULL) = (clear_reason IS NULL))
);
-- The freeze asks, per authorization, whether the organization has an open flag.
CREATE INDEX partner_flags_open ON partner_flags (hierarchy_id) WHERE cleared_at IS NULL;
