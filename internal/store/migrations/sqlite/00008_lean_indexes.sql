-- +goose Up
-- Indexes that cost every write less. Most diagnostics name no information
-- session and many no email: their index entries were all NULL keys, one
-- more page for each group commit to write, and no query looks up NULL
-- (a query for a session or an email names one, so these partial indexes
-- serve it). No query reads outbox rows by campaign: the campaign's own
-- recipients table counts them. The self-reference of a retaken
-- diagnostic gets the index its ON DELETE SET NULL needs, so erasing a
-- diagnostic no longer reads the whole table.
DROP INDEX diagnostics_session;
CREATE INDEX diagnostics_session ON diagnostics (info_session_id) WHERE info_session_id IS NOT NULL;
DROP INDEX diagnostics_email;
CREATE INDEX diagnostics_email ON diagnostics (email_key, completed_at) WHERE email_key IS NOT NULL;
CREATE INDEX diagnostics_first ON diagnostics (first_id) WHERE first_id IS NOT NULL;
DROP INDEX outbox_batch;

-- +goose Down
CREATE INDEX outbox_batch ON outbox (batch_id, status);
DROP INDEX diagnostics_first;
DROP INDEX diagnostics_email;
CREATE INDEX diagnostics_email ON diagnostics (email_key, completed_at);
DROP INDEX diagnostics_session;
CREATE INDEX diagnostics_session ON diagnostics (info_session_id);
