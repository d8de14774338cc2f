/*
 * xmpp/batch_db: the transaction of the storage job queue's group commit
 * (worker thread): one transaction per batch, a savepoint per job, so a
 * failing job is undone alone and the others commit together. The queue
 * itself (which jobs form a batch, when) is xmpp_server.c's.
 */
#include "core/log.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"

/* One job inside the batch transaction, guarded by a savepoint. */
static void run_in_savepoint(struct dbjob *job, struct app *app, struct store *st)
{
	if (store_exec(st, "SAVEPOINT xmpp_job") < 0) {
		job->status = -1;
		return;
	}
	job->status = 0;
	job->work(job, app, st);
	if (job->status < 0)
		(void)store_exec(st, "ROLLBACK TO xmpp_job");
	(void)store_exec(st, "RELEASE xmpp_job");
}

bool xmpp_batch_commit(struct dbjob *batch, struct app *app, struct store *st)
{
	struct dbjob *j;
	if (store_tx_begin(st) < 0) {
		for (j = batch; j != NULL; j = j->next)
			j->status = -1;
		return false;
	}
	for (j = batch; j != NULL; j = j->next)
		run_in_savepoint(j, app, st);
	if (store_tx_commit(st) == 0)
		return true;
	store_tx_rollback(st);
	log_warn("event=xmpp_batch_commit_failed error=\"%s\"", store_errmsg(st));
	for (j = batch; j != NULL; j = j->next)
		j->status = -1;
	return false;
}
