-- Data-subject rights (issue 4, P-DSR-1..7, P-ACC-4): deletion log,
-- restriction of processing, consents and objections, and the requests data
-- subjects file with the operator (forwarded to the tenant's admins).

-- One entry per erasure (P-DSR-3): what categories and how many items were
-- erased, when, on whose instruction; never the data. subject_ref is a keyed
-- pseudonym of the erased account id (blind index), so a holder of the id can
-- show the erasure happened while the log itself does not name the subject.
CREATE TABLE deletion_log (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	subject_ref TEXT NOT NULL,
	categories TEXT NOT NULL,
	items INTEGER NOT NULL,
	erased_at INTEGER NOT NULL,
	instructed_by TEXT NOT NULL,
	instructed_role TEXT NOT NULL,
	request_id TEXT,
	reason TEXT NOT NULL
);
CREATE INDEX deletion_log_tenant ON deletion_log (tenant_id, erased_at);

-- Restriction of processing (P-DSR-4): while a row exists the account's
-- data is kept but not processed (login and delivery refused).
CREATE TABLE account_restrictions (
	account_id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	since INTEGER NOT NULL,
	set_by TEXT NOT NULL
);

-- Consents (P-DSR-6, Art. 7): one row per consent given; withdrawal sets
-- withdrawn_at and takes effect at once.
CREATE TABLE consents (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	purpose TEXT NOT NULL,
	given_at INTEGER NOT NULL,
	withdrawn_at INTEGER
);
CREATE INDEX consents_account ON consents (account_id, purpose);

-- Objections (Art. 21) with the purpose objected to; the reason, free text,
-- is sealed under the account's subject key.
CREATE TABLE objections (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	purpose TEXT NOT NULL,
	reason_sealed BLOB,
	created_at INTEGER NOT NULL
);
CREATE INDEX objections_account ON objections (account_id);

-- Requests of data subjects (P-DSR-7): received by Iris (the processor),
-- forwarded to the tenant admins' queue, answered by them; due one month
-- after receipt (Art. 12(3)). Message and answer are sealed.
CREATE TABLE privacy_requests (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	account_id TEXT,
	kind TEXT NOT NULL CHECK (kind IN ('access', 'rectification', 'erasure', 'restriction',
		'portability', 'objection', 'other')),
	message_sealed BLOB,
	status TEXT NOT NULL CHECK (status IN ('received', 'forwarded', 'answered')),
	received_at INTEGER NOT NULL,
	forwarded_at INTEGER,
	due_at INTEGER NOT NULL,
	answered_at INTEGER,
	answered_by TEXT,
	answer_sealed BLOB
);
CREATE INDEX privacy_requests_tenant ON privacy_requests (tenant_id, status, due_at);
CREATE INDEX privacy_requests_account ON privacy_requests (account_id);
