-- The shop-wide ceiling on acknowledgement emails (ONBOARDING_ACKNOWLEDGEMENTS_PER_HOUR).
-- Each acknowledgement takes a place in an hour, the first from its own on with room left,
-- and goes out once that hour has come: past the ceiling, emails wait, none is dropped.

-- How many places of each hour (its start, UTC) are taken.
CREATE TABLE acknowledgement_hours (
    hour     timestamptz PRIMARY KEY,
    reserved integer NOT NULL CHECK (reserved > 0)
);

-- The place each acknowledgement took, so a retry keeps it instead of taking another.
CREATE TABLE acknowledgement_places (
    message_id text PRIMARY KEY,
    hour       timestamptz NOT NULL
);
CREATE INDEX acknowledgement_places_hour ON acknowledgement_places (hour);
