-- Audit log (privacy/audit.h, docs/audit.md): one hash-chained, append-only
-- chain per tenant ('' = installation-level events). Entries name who, when,
-- what and which fields were touched; never the values.
CREATE TABLE audit_log (
	tenant_id TEXT NOT NULL,
	seq INTEGER NOT NULL,
	at_ms INTEGER NOT NULL,
	actor_id TEXT NOT NULL,
	actor_role TEXT NOT NULL,
	action TEXT NOT NULL,
	target_type TEXT NOT NULL,
	target_id TEXT,
	fields TEXT,
	request_id TEXT,
	instruction INTEGER NOT NULL,
	prev_hash BLOB NOT NULL,
	entry_hash BLOB NOT NULL,
	PRIMARY KEY (tenant_id, seq)
);
-- Signed chain heads: Ed25519 over ("iris-audit-checkpoint", tenant, seq, head_hash).
CREATE TABLE audit_checkpoints (
	tenant_id TEXT NOT NULL,
	seq INTEGER NOT NULL,
	head_hash BLOB NOT NULL,
	signature BLOB NOT NULL,
	at_ms INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, seq)
);
-- Chains destroyed at the end of a tenant's contract (P-END-1): the final
-- head stays here as evidence of what existed. Only a tenant listed here may
-- have its audit rows deleted.
CREATE TABLE audit_purges (
	tenant_id TEXT NOT NULL PRIMARY KEY,
	last_seq INTEGER NOT NULL,
	head_hash BLOB NOT NULL,
	at_ms INTEGER NOT NULL
);
-- Append-only, enforced by the database as well as by the API (which has no
-- update path). A DBA with the file can still drop these triggers and edit:
-- that is what audit_verify() detects.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purges p WHERE p.tenant_id = OLD.tenant_id)
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
	SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
WHEN NOT EXISTS (SELECT 1 FROM audit_purges p WHERE p.tenant_id = OLD.tenant_id)
BEGIN
	SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_purges_no_update BEFORE UPDATE ON audit_purges
BEGIN
	SELECT RAISE(ABORT, 'audit_purges is append-only');
END;
CREATE TRIGGER audit_purges_no_delete BEFORE DELETE ON audit_purges
BEGIN
	SELECT RAISE(ABORT, 'audit_purges is append-only');
END;
