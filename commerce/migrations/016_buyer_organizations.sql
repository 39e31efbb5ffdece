-- Buyer organizations govern themselves: roles admin, approver and buyer (the former user),
-- several admins but never none, a monthly budget per user, an approval threshold per
-- organization, and what each user's approved and invoiced orders came to this month.

ALTER TABLE customer_hierarchy_members DROP CONSTRAINT customer_hierarchy_members_role_check;
UPDATE customer_hierarchy_members SET role = 'buyer' WHERE role = 'user';
ALTER TABLE customer_hierarchy_members ADD CONSTRAINT customer_hierarchy_members_role_check
    CHECK (role IN ('admin', 'approver', 'buyer'));
-- Several admins from now on; organization_keeps_an_admin below keeps at least one.
DROP INDEX customer_hierarchy_one_admin;

-- Per calendar month of the shop's time zone, in the organization's currency; NULL: none.
-- Beside it, what the user's approved and invoiced orders placed in `budget_month` come to
-- (an earlier month counts as nothing this month): on the row the authorization locks
-- anyway, so the budget is read fresh under the lock instead of summed.
ALTER TABLE site_users
    ADD COLUMN monthly_budget numeric(17, 2) CHECK (monthly_budget >= 0),
    ADD COLUMN budget_month   date,
    ADD COLUMN budget_spent   numeric(17, 2) NOT NULL DEFAULT 0 CHECK (budget_spent >= 0);

-- Every order above it needs approval, whoever places it; NULL: none. It sits beside the
-- credit it may not exceed, so the one row lock that decides an order reads both.
ALTER TABLE credit_limits
    ADD COLUMN approval_threshold numeric(17, 2) CHECK (approval_threshold >= 0);

-- The month (its first day, in the shop's time zone) whose budget an order counts against:
-- the month it was placed in, even when it is approved in the next.
ALTER TABLE purchase_authorizations ADD COLUMN budget_month date;

-- An organization has at least one admin who can act: a member with the role `admin` whose
-- site user is invited or active and not blocked. Checked when a change could take the last
-- one away, at commit, under the organization's row lock: of two admins demoting (removing)
-- each other at once, the second to commit sees the first's change and is refused.
CREATE FUNCTION organization_keeps_an_admin() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    hierarchy text := OLD.hierarchy_id;
BEGIN
    IF TG_TABLE_NAME = 'site_users' THEN
        IF TG_OP = 'UPDATE' AND NEW.status IN ('invited', 'active') AND NEW.blocked_at IS NULL
        THEN
            RETURN NULL;  -- still standing
        END IF;
        PERFORM 1 FROM customer_hierarchy_members
        WHERE hierarchy_id = hierarchy AND customer_id = OLD.customer_id AND role = 'admin';
        IF NOT FOUND THEN
            RETURN NULL;  -- not an admin
        END IF;
    END IF;
    PERFORM 1 FROM customer_hierarchies WHERE id = hierarchy FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;  -- the organization itself is gone (erasure)
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM customer_hierarchy_members m
        LEFT JOIN site_users u
            ON u.customer_id = m.customer_id AND u.hierarchy_id = m.hierarchy_id
        WHERE m.hierarchy_id = hierarchy AND m.role = 'admin'
          AND (u.id IS NULL OR (u.status IN ('invited', 'active') AND u.blocked_at IS NULL))
    ) THEN
        RAISE EXCEPTION 'an organization keeps at least one admin'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'organization_keeps_an_admin';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER organization_keeps_an_admin
    AFTER UPDATE OF role OR DELETE ON customer_hierarchy_members
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.role = 'admin')
    EXECUTE FUNCTION organization_keeps_an_admin();

CREATE CONSTRAINT TRIGGER organization_keeps_an_admin
    AFTER UPDATE OF status, blocked_at OR DELETE ON site_users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION organization_keeps_an_admin();
