-- 020 (issue 9 item 5, src/privacy/account_changes.c): changes of account
-- state that refuse login (restriction, disabling, a new password, erasure,
-- a tenant's destruction), written in the same transaction as the change so
-- that a running irisd ends the account's XMPP sessions even when irisctl
-- made the change. irisd reads rows past the last seq it saw and deletes
-- rows older than one hour. Declared in src/privacy/account_changes.c.
CREATE TABLE account_state_changes (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id TEXT,
	tenant_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	keep_session TEXT,
	at INTEGER NOT NULL
);
CREATE INDEX account_state_changes_at ON account_state_changes (at);
