-- Time-driven duties (domain/jobs.h) and the record of every run.
CREATE TABLE jobs (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	arg TEXT NOT NULL,
	dedupe_key TEXT,
	due_at INTEGER NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, due_at);
CREATE UNIQUE INDEX jobs_pending_key ON jobs (dedupe_key) WHERE status = 'pending';
CREATE TABLE job_runs (
	job_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	tenant_id TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	ok INTEGER NOT NULL,
	summary TEXT NOT NULL
);
CREATE INDEX job_runs_kind ON job_runs (kind, ok, finished_at);
