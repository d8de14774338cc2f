/* privacy/retention_jobs: the job kinds of the registers (retention.h). */
#include "domain/accounts.h"
#include "domain/jobs.h"
#include "compliance/breach.h"
#include "compliance/retention.h"
#include "compliance/subprocessors.h"
#include "compliance/termination.h"

#include <stdio.h>

static int job_sweep(struct app *app, struct store *st, int64_t now, const char *tenant_id,
                     const char *arg, char *summary, size_t len)
{
	int64_t deleted = 0;
	int rc = retention_sweep(app, st, now, &deleted);
	snprintf(summary, len, "deleted %lld rows", (long long)deleted);
	return rc;
}

/* Pending self-registrations whose confirmation code expired: erased, and
 * recorded in the retention log (P-RET-1, P-ACC-1). */
static int job_pending(struct app *app, struct store *st, int64_t now, const char *tenant_id,
                       const char *arg, char *summary, size_t len)
{
	int64_t erased = 0;
	int rc = accounts_purge_pending(app, st, now, &erased);
	snprintf(summary, len, "erased %lld pending registrations", (long long)erased);
	return rc;
}

static int job_breach(struct app *app, struct store *st, int64_t now, const char *tenant_id,
                      const char *arg, char *summary, size_t len)
{
	return breach_clock(app, st, arg, now, summary, len);
}

static int job_window(struct app *app, struct store *st, int64_t now, const char *tenant_id,
                      const char *arg, char *summary, size_t len)
{
	snprintf(summary, len, "objection window closed");
	return subprocessors_close_window(app, st, tenant_id, arg, now);
}

static int job_end(struct app *app, struct store *st, int64_t now, const char *tenant_id,
                   const char *arg, char *summary, size_t len)
{
	return termination_run(app, st, tenant_id, now, summary, len);
}

void privacy_jobs_register(void)
{
	jobs_register("retention.sweep", job_sweep, 3600);
	jobs_register("accounts.pending_purge", job_pending, 3600);
	jobs_register("breach.clock", job_breach, 0);
	jobs_register("subprocessor.window", job_window, 0);
	jobs_register("tenant.end", job_end, 0);
}
