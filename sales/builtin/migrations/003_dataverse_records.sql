-- With SALES_BACKEND=dataverse the records live in Dynamics 365 Sales; this maps the ids the
-- workflow gave them to the Dataverse rows (GUIDs), and a webhook's GUID back to its
-- onboarding. The built-in backend leaves it empty.
CREATE TABLE dataverse_records (
    our_id     text PRIMARY KEY,
    reference  text NOT NULL,
    entity     text NOT NULL CHECK (entity IN ('lead', 'opportunity', 'contact', 'account')),
    record_id  uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entity, record_id)
);
CREATE INDEX dataverse_records_reference ON dataverse_records (reference);
