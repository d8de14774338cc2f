-- 014 (issue 3, c2s part 2): login_events.result gains 'restricted', the
-- outcome of a correct password on an account whose processing is
-- restricted (P-DSR-4), recorded apart from 'disabled'. SQLite cannot
-- change a CHECK constraint: the table is rebuilt with the same columns.
CREATE TABLE login_events_new (
	id TEXT PRIMARY KEY,
	account_id TEXT,
	tenant_id TEXT NOT NULL,
	at_ms INTEGER NOT NULL,
	addr_hash TEXT NOT NULL,
	addr_sealed BLOB,
	result TEXT NOT NULL CHECK (result IN ('success', 'bad_password', 'unknown_user',
		'throttled', 'pending', 'disabled', 'restricted'))
);
INSERT INTO login_events_new (id, account_id, tenant_id, at_ms, addr_hash, addr_sealed, result)
	SELECT id, account_id, tenant_id, at_ms, addr_hash, addr_sealed, result FROM login_events;
DROP TABLE login_events;
ALTER TABLE login_events_new RENAME TO login_events;
CREATE INDEX login_events_account ON login_events (account_id, at_ms);
CREATE INDEX login_events_addr ON login_events (addr_hash, at_ms);
