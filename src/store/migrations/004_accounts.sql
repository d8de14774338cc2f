-- Tenants, accounts, credentials, tokens, login events, profiles, deletion
-- requests (domain/accounts.h, domain/auth.h, domain/profile.h,
-- domain/tenants.h). Every personal value that is not needed in clear for
-- routing or login is sealed (AES-256-GCM) under the account's subject key;
-- e-mail uniqueness goes through an installation-wide blind index.
-- Tenant "" (no row) is the pool of freemium users and the operator.

CREATE TABLE tenants (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	plan TEXT NOT NULL CHECK (plan IN ('business', 'company')),
	discoverable INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL
);

-- Acceptance of the standard processing agreement (P-ACC-3): who, when, which version.
CREATE TABLE tenant_agreements (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	accepted_by TEXT,
	agreement_version TEXT NOT NULL,
	accepted_at INTEGER NOT NULL
);
CREATE INDEX tenant_agreements_tenant ON tenant_agreements (tenant_id);

CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	username TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('user', 'tenant_admin', 'auditor', 'operator')),
	status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
	email_index TEXT UNIQUE,
	email_sealed BLOB,
	scram_sha256 TEXT NOT NULL,
	scram_sha1 TEXT NOT NULL,
	must_change_password INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX accounts_tenant ON accounts (tenant_id, role);

-- Optional profile (P-PRO-1); one row per account, every value sealed with
-- associated data (account_profiles, account id, column).
CREATE TABLE account_profiles (
	account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	first_name_sealed BLOB,
	last_name_sealed BLOB,
	title_sealed BLOB,
	nickname_sealed BLOB,
	job_title_sealed BLOB,
	department_sealed BLOB,
	phone_numbers_sealed BLOB,
	other_emails_sealed BLOB,
	postal_address_sealed BLOB,
	company_sealed BLOB,
	avatar_sealed BLOB,
	avatar_type TEXT,
	updated_at INTEGER NOT NULL
);

-- E-mail confirmation codes (P-ACC-1): stored as SHA-256, single use.
CREATE TABLE account_confirmations (
	code_hash TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX account_confirmations_account ON account_confirmations (account_id);

-- Bearer tokens: only their SHA-256 is stored.
CREATE TABLE auth_tokens (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	scope TEXT NOT NULL CHECK (scope IN ('full', 'password_change')),
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE INDEX auth_tokens_account ON auth_tokens (account_id);

-- Every login attempt, successful or not (P-SEC-5). addr_hash is a keyed
-- pseudonym of the remote address (throttling); addr_sealed the address
-- itself, sealed under the account's subject key when the account is known.
CREATE TABLE login_events (
	id TEXT PRIMARY KEY,
	account_id TEXT,
	tenant_id TEXT NOT NULL,
	at_ms INTEGER NOT NULL,
	addr_hash TEXT NOT NULL,
	addr_sealed BLOB,
	result TEXT NOT NULL CHECK (result IN ('success', 'bad_password', 'unknown_user',
		'throttled', 'pending', 'disabled'))
);
CREATE INDEX login_events_account ON login_events (account_id, at_ms);
CREATE INDEX login_events_addr ON login_events (addr_hash, at_ms);

-- Members' requests to have their account deleted (P-ACC-2): the admin's queue.
CREATE TABLE deletion_requests (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	account_id TEXT,
	status TEXT NOT NULL CHECK (status IN ('open', 'done', 'rejected')),
	created_at INTEGER NOT NULL,
	decided_at INTEGER,
	decided_by TEXT
);
CREATE INDEX deletion_requests_tenant ON deletion_requests (tenant_id, status);
