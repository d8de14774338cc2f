-- Key hierarchy (crypto/keys.h, docs/keys.md). Only wrapped keys are stored:
-- a tenant key under a key derived from the master key (which is never in
-- the database), a subject key under its tenant key. Deleting a subject_keys
-- row is crypto-shredding: every value sealed for that subject becomes
-- unreadable. Installation keys (the Ed25519 signing key) are sealed under
-- a key derived from the master key; their public half is in clear.
CREATE TABLE tenant_keys (
	tenant_id TEXT PRIMARY KEY,
	wrapped BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE subject_keys (
	tenant_id TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	wrapped BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, subject_id)
);
CREATE TABLE install_keys (
	name TEXT PRIMARY KEY,
	sealed BLOB NOT NULL,
	public BLOB
);
