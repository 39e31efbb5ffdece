-- The second factor at sign-in, the staff off-switch's audit log, and organizations that
-- require a second factor of all their users.

-- A session opens staff pages (and, where required, partner pages) only once the second
-- factor is passed; until then only the factor's own page.
ALTER TABLE sessions ADD COLUMN second_factor_at timestamptz;

-- An organization's admin may require a second factor of everyone in it.
ALTER TABLE customer_hierarchies
    ADD COLUMN second_factor_required boolean NOT NULL DEFAULT false;

-- Changes to staff access (disable, enable, a factor reset or enrolled): who did what to
-- which account. The actor is an id (a staff account id, or `cli` for the operator at the
-- command line); names are joined when the log is read.
CREATE TABLE staff_audit_log (
    id               bigserial PRIMARY KEY,
    staff_account_id text NOT NULL,
    actor            text NOT NULL,
    action           text NOT NULL,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_audit_log_account ON staff_audit_log (staff_account_id, at);
