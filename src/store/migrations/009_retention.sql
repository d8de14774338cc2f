-- Retention (issue 4, P-RET-1, P-RET-2, P-LOG-2): the tenant's rules per
-- category (only shorter than the catalog's default and never below the
-- legal minimum), the log of every automatic deletion, and legal holds.
CREATE TABLE retention_rules (
	tenant_id TEXT NOT NULL,
	category TEXT NOT NULL,
	days INTEGER NOT NULL,
	set_by TEXT NOT NULL,
	set_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, category)
);

-- One row per sweep that deleted something: category, count, time; never data.
CREATE TABLE retention_log (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	category TEXT NOT NULL,
	table_name TEXT NOT NULL,
	deleted INTEGER NOT NULL,
	cutoff INTEGER NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX retention_log_tenant ON retention_log (tenant_id, at);

-- Legal holds (P-RET-2): while lifted_at is NULL, nothing of the subject is
-- deleted by retention sweeps (or erasure).
CREATE TABLE legal_holds (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	subject_type TEXT NOT NULL CHECK (subject_type IN ('user', 'bubble')),
	subject_id TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	lifted_by TEXT,
	lifted_at INTEGER
);
CREATE INDEX legal_holds_subject ON legal_holds (tenant_id, subject_type, subject_id);
