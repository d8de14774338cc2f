-- Registers of the processor (issue 4, P-INS-1/2, P-SUB-1/2, P-BRE-1/2,
-- P-END-1): tenant settings given as instructions, instructions held for
-- confirmation, the sub-processor register and its change notices, the
-- breach register with its 72-hour clock, and end-of-contract records.

-- Settings a tenant gives as documented instructions (privacy/instructions.h).
CREATE TABLE tenant_settings (
	tenant_id TEXT PRIMARY KEY,
	objection_window_days INTEGER NOT NULL DEFAULT 30 CHECK (objection_window_days IN (14, 30)),
	region TEXT NOT NULL DEFAULT 'EU',
	transfer_region TEXT NOT NULL DEFAULT 'EU',
	transfer_consent INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
);

-- Instructions that would breach a rule, held until the admin confirms
-- (P-INS-2). payload is the JSON of the setting change (no personal data).
CREATE TABLE pending_instructions (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	payload TEXT NOT NULL,
	reason TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled')),
	created_at INTEGER NOT NULL,
	decided_at INTEGER,
	decided_by TEXT
);
CREATE INDEX pending_instructions_tenant ON pending_instructions (tenant_id, status);

-- The sub-processor register (P-SUB-1), kept by the operator.
CREATE TABLE subprocessors (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	address TEXT NOT NULL,
	purpose TEXT NOT NULL,
	data_shared TEXT NOT NULL,
	location TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('active', 'planned', 'removed')),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- Announced changes (P-SUB-2) and, per tenant, the notice, its objection
-- window and the outcome (objected, or consented by silence).
CREATE TABLE subprocessor_changes (
	id TEXT PRIMARY KEY,
	subprocessor_id TEXT NOT NULL,
	change TEXT NOT NULL CHECK (change IN ('add', 'replace', 'remove')),
	description TEXT NOT NULL,
	announced_at INTEGER NOT NULL,
	effective_at INTEGER NOT NULL
);
CREATE TABLE subprocessor_notices (
	change_id TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	window_days INTEGER NOT NULL,
	notified_at INTEGER NOT NULL,
	closes_at INTEGER NOT NULL,
	outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'objected', 'consented')),
	reason TEXT,
	decided_at INTEGER,
	decided_by TEXT,
	PRIMARY KEY (change_id, tenant_id)
);
CREATE INDEX subprocessor_notices_tenant ON subprocessor_notices (tenant_id);

-- Breach register (P-BRE-1): facts, effects, remedies; the 72-hour clock
-- runs from detected_at.
CREATE TABLE breaches (
	id TEXT PRIMARY KEY,
	title TEXT NOT NULL,
	facts TEXT NOT NULL,
	effects TEXT NOT NULL,
	remedies TEXT NOT NULL,
	detected_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
	reminded_24_at INTEGER,
	reminded_60_at INTEGER,
	overdue_at INTEGER
);
CREATE TABLE breach_tenants (
	breach_id TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	notified_at INTEGER,
	PRIMARY KEY (breach_id, tenant_id)
);
CREATE INDEX breach_tenants_tenant ON breach_tenants (tenant_id);
CREATE TABLE breach_users (
	breach_id TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	notified_at INTEGER,
	PRIMARY KEY (breach_id, account_id)
);

-- End of a tenant's contract (P-END-1): the return and destruction record,
-- kept after the tenant's data is gone (the tenant's deletion log).
CREATE TABLE terminations (
	tenant_id TEXT PRIMARY KEY,
	end_at INTEGER NOT NULL,
	due_at INTEGER NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('scheduled', 'done', 'cancelled')),
	requested_by TEXT NOT NULL,
	requested_at INTEGER NOT NULL,
	archive_path TEXT,
	done_at INTEGER,
	deletion_summary TEXT
);
