-- An email address is held only by a site user who may still use it: one invited or active,
-- or one who activated once (a removed user can be restored, and keeps their history). An
-- invitation that expired, or a user removed before activating, frees the address.
DROP INDEX site_users_email;
CREATE UNIQUE INDEX site_users_email_held ON site_users (lower(email))
    WHERE status IN ('invited', 'active') OR activated_at IS NOT NULL;
-- Lookups by email of the users who no longer hold it (an address invited again).
CREATE INDEX site_users_email ON site_users (lower(email));

-- An approval whose requester's email became a site user's meanwhile waits for staff.
ALTER TABLE prospects DROP CONSTRAINT prospects_status_check;
ALTER TABLE prospects ADD CONSTRAINT prospects_status_check
    CHECK (status IN ('pending', 'approval_blocked', 'approved', 'rejected', 'expired'));
