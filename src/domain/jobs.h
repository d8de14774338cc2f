/*
 * domain/jobs: time-driven duties (retention sweeps, guest expiry, breach
 * clocks, objection windows, end-of-contract deletion) as rows of the jobs
 * table (DESIGN.md "Jobs"). Persistent: a restart loses none. Idempotent:
 * scheduling the same dedupe key twice keeps one job. Every run is recorded
 * in job_runs with its outcome, so the TOM report can show when each duty
 * last ran. A job kind is a C function registered at start-up; a recurring
 * kind is rescheduled interval_s after the run's `now`, and a failed job is
 * retried after a back-off from it: the only clock is the `now` given to
 * jobs_run_due, so tests drive every duty with injected time.
 */
#ifndef IRIS_DOMAIN_JOBS_H
#define IRIS_DOMAIN_JOBS_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct store;

/* Runs one job. now is the run's time (Unix s, the `now` of jobs_run_due:
 * the wall clock in irisd, any time in tests); a job reads no other clock.
 * arg is the text given at scheduling (may be ""). Write a short,
 * content-free outcome ("deleted 12 rows") into summary. Return 0 on
 * success, -1 to have the job retried later (with back-off). The function
 * manages its own transactions. */
typedef int job_fn(struct app *app, struct store *st, int64_t now, const char *tenant_id,
		   const char *arg, char *summary, size_t summary_len);

/* Registers kind (static string) once, at start-up, before jobs run.
 * interval_s > 0 makes it recurring. */
void jobs_register(const char *kind, job_fn *fn, int64_t interval_s);

/* Schedules kind for tenant_id at due_at (Unix seconds). dedupe_key (may be
 * NULL) makes it idempotent: an existing pending job with the same key is
 * kept and its due time set to the earlier of the two. id_r (37 bytes) may
 * be NULL. Runs inside the caller's transaction if there is one. */
int jobs_schedule(struct store *st, const char *kind, const char *tenant_id, const char *arg,
		  int64_t due_at, const char *dedupe_key, char *id_r);

/* Cancels pending jobs with dedupe_key; returns how many, -1 on error. */
int jobs_cancel(struct store *st, const char *dedupe_key);

/* Runs every job due at `now`, at most max_jobs, giving each `now`; returns
 * the number run, -1 on a storage error. The run is recorded at `now`, and
 * recurring kinds and retries are rescheduled from it. Unknown kinds are
 * recorded as failed, never dropped. */
int jobs_run_due(struct app *app, struct store *st, int64_t now, int max_jobs);

/* Makes sure each registered recurring kind has a pending job for tenant ""
 * (called at start-up). */
int jobs_ensure_recurring(struct store *st, int64_t now);

/* Time of the last successful run of kind (0 if never), for reports. */
int64_t jobs_last_success(struct store *st, const char *kind);

#endif
