-- The applicant's answers to information requests, and the documents sent with them.

-- One row per answer; `request_id` is the information request's id. `submission` is the
-- page's one-time key of the form that sent it, when given: the same form posted twice
-- makes one answer.
CREATE TABLE information_answers (
    id          text PRIMARY KEY,
    request_id  text NOT NULL,
    submission  text,
    text        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (request_id, submission)
);
CREATE INDEX information_answers_by_request ON information_answers (request_id, received_at);

-- Each file of an answer, written with it in one transaction. The content is sealed
-- (AES-256-GCM, random nonce, the file's id authenticated) under the named key `key_id`,
-- so keys can rotate; `size` and `sha256` are the plaintext's. The limits are the domain's
-- (domain/documents.py): at most 10 files of at most 10 MiB each per answer.
CREATE TABLE answer_documents (
    id           text PRIMARY KEY,
    answer_id    text NOT NULL REFERENCES information_answers ON DELETE CASCADE,
    position     smallint NOT NULL CHECK (position BETWEEN 0 AND 9),
    filename     text NOT NULL,
    content_type text NOT NULL
                 CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size         integer NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    key_id       text NOT NULL,
    sealed       bytea NOT NULL,
    UNIQUE (answer_id, position)
);
-- Sealed bytes do not compress: stored out of line without PostgreSQL trying to.
ALTER TABLE answer_documents ALTER COLUMN sealed SET STORAGE EXTERNAL;
