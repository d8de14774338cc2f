-- The tenant's contact book (domain/contact_book.h, docs/contacts.md
-- "Server"; P-HYG-1..5). Every contact value is sealed (AES-256-GCM) under
-- the contact's own subject key "contact:<id>", so one contact can be
-- crypto-shredded; searchable values go through keyed blind indexes.

-- The tenant's settings (each change is an audited instruction, P-HYG-5).
CREATE TABLE contact_settings (
	tenant_id TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	default_country TEXT NOT NULL DEFAULT 'FR',
	lang TEXT NOT NULL DEFAULT 'en',
	dedupe_threshold_milli INTEGER NOT NULL DEFAULT 500,
	merge_keep_alternates INTEGER NOT NULL DEFAULT 1,
	column_map TEXT NOT NULL DEFAULT '{}',
	employees_informed INTEGER NOT NULL DEFAULT 0,
	consent_required INTEGER NOT NULL DEFAULT 0,
	employees_agreed INTEGER NOT NULL DEFAULT 0,
	refresh_recorded_at INTEGER,
	updated_at INTEGER NOT NULL
);

-- One row per contact; pos orders the book (import order, a merge takes
-- the place of its first source).
CREATE TABLE contacts (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	pos INTEGER NOT NULL,
	import_id TEXT,
	name_sealed BLOB,
	email_sealed BLOB,
	phone_sealed BLOB,
	work_sealed BLOB,
	address_sealed BLOB,
	ident_sealed BLOB,
	extra_sealed BLOB,
	changes_sealed BLOB,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX contacts_tenant_pos ON contacts (tenant_id, pos);

-- Blind indexes (keyed HMAC of normalised e-mail, E.164 phone, folded name
-- tokens) for search without opening the table.
CREATE TABLE contact_index (
	tenant_id TEXT NOT NULL,
	contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'name')),
	token TEXT NOT NULL
);
CREATE INDEX contact_index_lookup ON contact_index (tenant_id, kind, token);
CREATE INDEX contact_index_contact ON contact_index (contact_id);

-- Merge journal: each source record in full, sealed under the source's own
-- key (kept until the merge is undone or the merged contact erased).
CREATE TABLE contact_merges (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	contact_id TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX contact_merges_tenant ON contact_merges (tenant_id, contact_id);
CREATE TABLE contact_merge_sources (
	merge_id TEXT NOT NULL REFERENCES contact_merges (id) ON DELETE CASCADE,
	contact_id TEXT NOT NULL,
	pos INTEGER NOT NULL,
	record_sealed BLOB NOT NULL,
	PRIMARY KEY (merge_id, contact_id)
);

-- Import reports: counts in clear, the per-row notes (with the raw text of
-- rejected rows) sealed under the book's key "contacts:<tenant>".
CREATE TABLE contact_imports (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	format TEXT NOT NULL,
	rows_read INTEGER NOT NULL,
	rows_imported INTEGER NOT NULL,
	rows_repaired INTEGER NOT NULL,
	rows_rejected INTEGER NOT NULL,
	changes INTEGER NOT NULL,
	report_sealed BLOB,
	created_at INTEGER NOT NULL
);
CREATE INDEX contact_imports_tenant ON contact_imports (tenant_id, created_at);
