/* domain/jobs: see jobs.h. */
#include "domain/jobs.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JOBS_MAX_KINDS 64
#define JOBS_MAX_ATTEMPTS 10
#define JOBS_BATCH 64

struct job_kind {
	const char *kind;
	job_fn *fn;
	int64_t interval_s;
};

/* Filled at start-up on one thread, read-only once jobs run. */
static struct job_kind kinds[JOBS_MAX_KINDS];
static int kind_count;

/* The metrics of one run: jobs_runs_total{kind} and, when it failed,
 * jobs_failures_total{kind}. With ok NULL, registers both at zero. Kinds
 * are the registered names ("retention.sweep"); a kind read back from the
 * table that no code registered counts as "unknown". */
static void count_run(const char *kind, const bool *ok)
{
	char runs[METRICS_NAME_MAX], fails[METRICS_NAME_MAX];
	if (kind == NULL || strspn(kind, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(kind))
		kind = "unknown";
	int n = snprintf(runs, sizeof(runs), "jobs_runs_total{kind=\"%s\"}", kind);
	int m = snprintf(fails, sizeof(fails), "jobs_failures_total{kind=\"%s\"}", kind);
	if (n < 0 || (size_t)n >= sizeof(runs) || m < 0 || (size_t)m >= sizeof(fails))
		return;
	struct metric *r = metrics_counter(runs, "Runs of persistent jobs, by kind");
	struct metric *f = metrics_counter(fails, "Runs of persistent jobs that failed, by kind");
	if (ok == NULL)
		return;
	metrics_inc(r);
	if (!*ok)
		metrics_inc(f);
}

void jobs_register(const char *kind, job_fn *fn, int64_t interval_s)
{
	count_run(kind, NULL);
	for (int i = 0; i < kind_count; i++) {
		if (strcmp(kinds[i].kind, kind) == 0) {
			kinds[i].fn = fn;
			kinds[i].interval_s = interval_s;
			return;
		}
	}
	if (kind_count == JOBS_MAX_KINDS)
		fatal("event=jobs_register_full kind=%s", kind);
	kinds[kind_count++] = (struct job_kind){kind, fn, interval_s};
}

static const struct job_kind *kind_find(const char *kind)
{
	for (int i = 0; i < kind_count; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

int jobs_schedule(struct store *st, const char *kind, const char *tenant_id, const char *arg,
                  int64_t due_at, const char *dedupe_key, char *id_r)
{
	char id[IDS_UUID_LEN];
	ids_uuid4(id);
	if (dedupe_key != NULL) {
		/* Keep the pending job; move it earlier if asked. */
		struct store_stmt *s = store_query(
		    st, "SELECT id FROM jobs WHERE dedupe_key = ? AND status = 'pending'", "s",
		    dedupe_key);
		int rc = s != NULL ? store_step(s) : STORE_ERROR;
		if (rc == STORE_ROW)
			snprintf(id, sizeof(id), "%s", store_col_text(s, 0));
		store_stmt_done(s);
		if (rc == STORE_ERROR)
			return -1;
		if (rc == STORE_ROW) {
			if (id_r != NULL)
				memcpy(id_r, id, IDS_UUID_LEN);
			return store_run(st, "UPDATE jobs SET due_at = MIN(due_at, ?) WHERE id = ?",
			                 "is", due_at, id) == STORE_DONE
			           ? 0
			           : -1;
		}
	}
	if (store_run(st,
	              "INSERT INTO jobs (id, kind, tenant_id, arg, dedupe_key, due_at, status,"
	              " attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
	              "sssssii", id, kind, tenant_id, arg != NULL ? arg : "", dedupe_key, due_at,
	              clock_now()) != STORE_DONE)
		return -1;
	if (id_r != NULL)
		memcpy(id_r, id, IDS_UUID_LEN);
	return 0;
}

int jobs_cancel(struct store *st, const char *dedupe_key)
{
	if (store_run(st, "DELETE FROM jobs WHERE dedupe_key = ? AND status = 'pending'", "s",
	              dedupe_key) != STORE_DONE)
		return -1;
	return (int)store_changes(st);
}

struct due_job {
	char id[IDS_UUID_LEN];
	char *kind, *tenant, *arg, *dedupe;
	int attempts;
};

static int load_due(struct store *st, int64_t now, int max, struct due_job *out)
{
	struct store_stmt *s =
	    store_query(st,
	                "SELECT id, kind, tenant_id, arg, dedupe_key, attempts FROM jobs"
	                " WHERE status = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?",
	                "id", now, max);
	int n = 0, rc;
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		struct due_job *j = &out[n++];
		const char *dk = store_col_text(s, 4);
		snprintf(j->id, sizeof(j->id), "%s", store_col_text(s, 0));
		j->kind = xstrdup(store_col_text(s, 1));
		j->tenant = xstrdup(store_col_text(s, 2));
		j->arg = xstrdup(store_col_text(s, 3));
		j->dedupe = dk != NULL ? xstrdup(dk) : NULL;
		j->attempts = (int)store_col_int(s, 5);
	}
	store_stmt_done(s);
	return rc == STORE_DONE ? n : -1;
}

/* Records the run, then marks the job done (rescheduling a recurring kind)
 * or schedules a retry, in one transaction: all of it or nothing, so a
 * recurring duty is never marked done without its successor (it then stays
 * pending and runs again). */
static void finish_job(struct store *st, const struct due_job *j, const struct job_kind *k, bool ok,
                       const char *summary, int64_t started, int64_t now)
{
	int attempts = j->attempts + 1;
	bool give_up = !ok && (k == NULL || attempts >= JOBS_MAX_ATTEMPTS);
	bool failed;
	if (store_tx_begin(st) < 0)
		return;
	failed =
	    store_run(st,
	              "INSERT INTO job_runs (job_id, kind, tenant_id, started_at, finished_at, ok,"
	              " summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
	              "sssiids", j->id, j->kind, j->tenant, started, now, ok ? 1 : 0,
	              summary) != STORE_DONE;
	if (ok || give_up)
		failed |= store_run(st, "UPDATE jobs SET status = ?, attempts = ? WHERE id = ?",
		                    "sds", ok ? "done" : "failed", attempts, j->id) != STORE_DONE;
	else
		failed |=
		    store_run(st, "UPDATE jobs SET attempts = ?, due_at = ? WHERE id = ?", "dis",
		              attempts, now + ((int64_t)60 << (attempts < 10 ? attempts : 10)),
		              j->id) != STORE_DONE;
	if (ok && k != NULL && k->interval_s > 0)
		failed |= jobs_schedule(st, j->kind, j->tenant, j->arg, now + k->interval_s,
		                        j->dedupe, NULL) < 0;
	if (failed) {
		store_tx_rollback(st);
		log_warn("event=job_record_failed kind=%s", j->kind);
		return;
	}
	if (store_tx_commit(st) < 0)
		log_warn("event=job_record_failed kind=%s", j->kind);
}

/* One runner at a time per process: irisd's periodic tick and the test
 * clock's synchronous run (api_test_clock.c) never pick the same job twice. */
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;

static int run_due_locked(struct app *app, struct store *st, int64_t now, int max_jobs);

int jobs_run_due(struct app *app, struct store *st, int64_t now, int max_jobs)
{
	pthread_mutex_lock(&run_lock);
	int n = run_due_locked(app, st, now, max_jobs);
	pthread_mutex_unlock(&run_lock);
	return n;
}

static int run_due_locked(struct app *app, struct store *st, int64_t now, int max_jobs)
{
	struct due_job due[JOBS_BATCH];
	int n = load_due(st, now, max_jobs < JOBS_BATCH ? max_jobs : JOBS_BATCH, due);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct job_kind *k = kind_find(due[i].kind);
		char summary[256] = "unknown job kind";
		bool ok = false;
		if (k != NULL) {
			summary[0] = '\0';
			ok = k->fn(app, st, now, due[i].tenant, due[i].arg, summary,
			           sizeof(summary)) == 0;
			if (store_in_tx(st)) /* a job that forgot its transaction */
				store_tx_rollback(st);
		}
		/* The run's clock, not the wall clock: a recurring duty is next due
		 * interval_s after `now` (tests inject any time). */
		finish_job(st, &due[i], k, ok, summary, now, now);
		log_info("event=job_run kind=%s ok=%d", due[i].kind, ok);
		count_run(k != NULL ? k->kind : NULL, &ok);
		free(due[i].kind);
		free(due[i].tenant);
		free(due[i].arg);
		free(due[i].dedupe);
	}
	return n;
}

int jobs_ensure_recurring(struct store *st, int64_t now)
{
	for (int i = 0; i < kind_count; i++) {
		char key[128];
		if (kinds[i].interval_s <= 0)
			continue;
		snprintf(key, sizeof(key), "recurring:%s", kinds[i].kind);
		if (jobs_schedule(st, kinds[i].kind, "", "", now, key, NULL) < 0)
			return -1;
	}
	return 0;
}

int64_t jobs_last_success(struct store *st, const char *kind)
{
	struct store_stmt *s = store_query(
	    st, "SELECT COALESCE(MAX(finished_at), 0) FROM job_runs WHERE kind = ? AND ok = 1", "s",
	    kind);
	int64_t t = 0;
	if (s != NULL && store_step(s) == STORE_ROW)
		t = store_col_int(s, 0);
	store_stmt_done(s);
	return t;
}
