-- Users a partner's admin invites: person customers that come from no prospect and no Sales
-- record, their invitations, staff blocks, and the audit log of every change.

ALTER TABLE customers ALTER COLUMN prospect_id DROP NOT NULL;
ALTER TABLE customers ALTER COLUMN sales_record_id DROP NOT NULL;
ALTER TABLE customers ADD COLUMN job_title text;

ALTER TABLE site_users
    -- The invitation workflow that brought the user in; NULL for an approved requester.
    ADD COLUMN invitation_id text,
    ADD COLUMN invited_by    text,
    -- Staff block a user: treated as removed until unblocked, whatever the status.
    ADD COLUMN blocked_at    timestamptz;
CREATE INDEX site_users_hierarchy ON site_users (hierarchy_id);

-- Who changed what in an organization, with the values before and after.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    hierarchy_id text NOT NULL,
    -- Each change is written once even when the activity that writes it is retried.
    change_key   text NOT NULL UNIQUE,
    actor        text NOT NULL,
    action       text NOT NULL,
    site_user_id text,
    before       jsonb,
    after        jsonb,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_hierarchy ON audit_log (hierarchy_id, at);
