-- Credit: every change of a limit with its reason, the storefront's purchase authorizations,
-- and the ledger of what they reserved, released and invoiced.

-- Running totals beside the limit, so that one row lock decides every authorization of an
-- organization: available = amount - reserved - invoiced.
ALTER TABLE credit_limits
    ADD COLUMN reserved numeric(17, 2) NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    ADD COLUMN invoiced numeric(17, 2) NOT NULL DEFAULT 0 CHECK (invoiced >= 0);

CREATE TABLE credit_limit_changes (
    id          bigserial PRIMARY KEY,
    customer_id text NOT NULL REFERENCES customers (id),
    change_key  text NOT NULL UNIQUE,
    old_amount  numeric(17, 2),
    new_amount  numeric(17, 2) NOT NULL,
    currency    char(3) NOT NULL,
    changed_by  text NOT NULL,
    reason      text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_limit_changes_customer ON credit_limit_changes (customer_id, changed_at);

CREATE TABLE purchase_authorizations (
    order_reference text PRIMARY KEY,
    customer_id     text NOT NULL REFERENCES customers (id),
    hierarchy_id    text NOT NULL,
    site_user_id    text NOT NULL,
    amount          numeric(17, 2) NOT NULL CHECK (amount > 0),
    currency        char(3) NOT NULL,
    status          text NOT NULL CHECK (status IN (
                        'approved', 'needs_approval', 'declined', 'invoiced', 'cancelled')),
    reason          text,
    decided_by      text,
    expires_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchase_authorizations_waiting
    ON purchase_authorizations (hierarchy_id, created_at) WHERE status = 'needs_approval';

-- One row per movement of credit; an order reserves, releases and invoices at most once each.
CREATE TABLE credit_ledger (
    id              bigserial PRIMARY KEY,
    customer_id     text NOT NULL REFERENCES customers (id),
    kind            text NOT NULL CHECK (kind IN ('reserved', 'released', 'invoiced',
                                                  'limit_changed')),
    order_reference text,
    amount          numeric(17, 2) NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_reference, kind)
);
CREATE INDEX credit_ledger_customer ON credit_ledger (customer_id, at);
