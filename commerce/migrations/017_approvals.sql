-- Approvals of orders: an approver (or admin) away hands what reaches them to another approver
-- or admin of the same organization until a date. One delegation per delegator at a time; a
-- new one replaces it. Who delegated, to whom and until when is in the audit log too.
CREATE TABLE approval_delegations (
    delegator_id text PRIMARY KEY REFERENCES site_users (id) ON DELETE CASCADE,
    hierarchy_id text NOT NULL REFERENCES customer_hierarchies (id) ON DELETE CASCADE,
    delegate_id  text NOT NULL REFERENCES site_users (id) ON DELETE CASCADE,
    -- The last day of the delegation, as the delegator chose it in the shop's time zone, and
    -- the moment it ends (that day's end there).
    until        date NOT NULL,
    ends_at      timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (delegate_id <> delegator_id)
);
CREATE INDEX approval_delegations_delegate ON approval_delegations (delegate_id);
