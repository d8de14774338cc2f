-- Backups, the erasure ledger, and the user directory (issue 4 item 13,
-- P-AVL-1, P-DIR-1, P-DIR-2). Declared in src/privacy/backup_catalog.c and
-- src/domain/directory_catalog.c.

-- Every erased subject (P-AVL-1): a restored backup taken before an erasure
-- replays these so the erased person does not come back. The ledger of the
-- live installation is read at restore time (irisctl restore --replay-from
-- or --ledger); the copy inside a backup is only history.
CREATE TABLE erasure_ledger (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	erased_at INTEGER NOT NULL
);
CREATE INDEX erasure_ledger_at ON erasure_ledger (erased_at);

-- Backups written by irisctl backup (no key, no content: when and how big).
CREATE TABLE backup_runs (
	id TEXT PRIMARY KEY,
	created_at INTEGER NOT NULL,
	schema_version INTEGER NOT NULL,
	db_bytes INTEGER NOT NULL
);

-- Blind indexes for the directory: keyed HMACs of normalised name tokens
-- ('name') and of the e-mail domain ('domain'); never the values.
CREATE TABLE directory_index (
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	tenant_id TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('name', 'domain')),
	token TEXT NOT NULL,
	PRIMARY KEY (account_id, kind, token)
);
CREATE INDEX directory_index_token ON directory_index (kind, token);
