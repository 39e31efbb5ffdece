CREATE TABLE prospects (
    id            text PRIMARY KEY,
    reference     text NOT NULL UNIQUE,
    status        text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    status_reason text,
    company_name  text NOT NULL,
    company       jsonb NOT NULL,
    first_name    text NOT NULL,
    last_name     text NOT NULL,
    email         text NOT NULL,
    phone         text,
    job_title     text,
    comments      text,
    locale        text NOT NULL,
    submitted_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prospects_status ON prospects (status, submitted_at);

CREATE TABLE customers (
    id              text PRIMARY KEY,
    customer_type   text NOT NULL CHECK (customer_type IN ('person', 'organization')),
    prospect_id     text NOT NULL REFERENCES prospects (id),
    name            text NOT NULL,
    first_name      text,
    last_name       text,
    email           text,
    phone           text,
    -- the Sales contact (person) or account (organization) this customer was written from
    sales_record_id text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (prospect_id, customer_type)
);

CREATE TABLE customer_hierarchies (
    id                       text PRIMARY KEY,
    name                     text NOT NULL,
    purpose                  text NOT NULL,
    organization_customer_id text NOT NULL UNIQUE REFERENCES customers (id),
    created_at               timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customer_hierarchy_members (
    hierarchy_id text NOT NULL REFERENCES customer_hierarchies (id),
    customer_id  text NOT NULL REFERENCES customers (id),
    role         text NOT NULL CHECK (role IN ('admin', 'user')),
    PRIMARY KEY (hierarchy_id, customer_id)
);
-- Dynamics allows one admin per partner.
CREATE UNIQUE INDEX customer_hierarchy_one_admin
    ON customer_hierarchy_members (hierarchy_id) WHERE role = 'admin';

CREATE TABLE credit_limits (
    customer_id text PRIMARY KEY REFERENCES customers (id),
    amount      numeric(17, 2) NOT NULL CHECK (amount >= 0),
    currency    char(3) NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE site_users (
    id                    text PRIMARY KEY,
    customer_id           text NOT NULL UNIQUE REFERENCES customers (id),
    hierarchy_id          text NOT NULL REFERENCES customer_hierarchies (id),
    email                 text NOT NULL,
    status                text NOT NULL CHECK (status IN ('invited', 'active')),
    activation_token_hash text,
    invited_at            timestamptz NOT NULL DEFAULT now()
);
-- Sign-in breaks when two users share one email.
CREATE UNIQUE INDEX site_users_email ON site_users (lower(email));

-- One open onboarding per requester email: the starter holds this row while a run is open.
CREATE TABLE onboarding_claims (
    email_key    text PRIMARY KEY,
    reference    text NOT NULL,
    request_hash text NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE email_outbox (
    message_id text PRIMARY KEY,
    reference  text NOT NULL,
    kind       text NOT NULL,
    sequence   integer NOT NULL,
    recipient  text NOT NULL,
    subject    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    UNIQUE (reference, kind, sequence)
);
