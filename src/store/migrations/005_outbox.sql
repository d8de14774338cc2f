-- Outbox: every e-mail before delivery (domain/mail.h). Recipient and message
-- are sealed under the recipient's subject key and set to NULL once sent.
CREATE TABLE mail_outbox (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	rcpt_sealed BLOB,
	message_sealed BLOB,
	status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	sent_at INTEGER,
	last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_subject ON mail_outbox (tenant_id, subject_id);
