CREATE TABLE leads (
    id                   text PRIMARY KEY,
    commerce_prospect_id text NOT NULL UNIQUE,
    reference            text NOT NULL,
    topic                text NOT NULL,
    status               text NOT NULL CHECK (status IN ('open', 'qualified', 'disqualified')),
    status_reason        text,
    origin               text NOT NULL,
    -- no owner: a Commerce lead shows in "All Commerce B2B leads", not in "My open leads"
    owner                text,
    first_name           text NOT NULL,
    last_name            text NOT NULL,
    email                text NOT NULL,
    phone                text,
    job_title            text,
    company_name         text NOT NULL,
    company_website      text,
    company_phone        text,
    company_tax_id       text,
    address_line1        text,
    city                 text,
    postal_code          text,
    country              text,
    comments             text,
    decided_by           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_origin_status ON leads (origin, status, created_at);

CREATE TABLE accounts (
    id         text PRIMARY KEY,
    lead_id    text NOT NULL UNIQUE REFERENCES leads (id),
    name       text NOT NULL,
    website    text,
    phone      text,
    tax_id     text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
    id         text PRIMARY KEY,
    lead_id    text NOT NULL UNIQUE REFERENCES leads (id),
    account_id text NOT NULL REFERENCES accounts (id),
    first_name text NOT NULL,
    last_name  text NOT NULL,
    email      text NOT NULL,
    phone      text,
    job_title  text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE opportunities (
    id            text PRIMARY KEY,
    lead_id       text NOT NULL UNIQUE REFERENCES leads (id),
    account_id    text NOT NULL REFERENCES accounts (id),
    contact_id    text NOT NULL REFERENCES contacts (id),
    name          text NOT NULL,
    status        text NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    status_reason text,
    decided_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE timeline_notes (
    id          bigserial PRIMARY KEY,
    record_type text NOT NULL CHECK (record_type IN ('lead', 'opportunity')),
    record_id   text NOT NULL,
    -- names the event that wrote the note, so a retried write adds nothing
    note_key    text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (record_type, record_id, note_key)
);
