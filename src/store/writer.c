/*
 * store/writer: the dedicated writer thread and its bounded queue (see
 * writer.h). One mutex guards the two lists (queued, committed) and the
 * counters; the store connection belongs to the writer thread alone.
 */
#include "store/writer.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>

struct writer {
	uv_async_t async; /* committed batches are ready (loop thread) */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* queued jobs or stopping (writer thread) */
	pthread_cond_t room_cv; /* room in the queue (writer_call's waiters) */
	pthread_cond_t done_cv; /* a waited job finished (writer_call's) */
	struct store *st;       /* writer thread's */
	struct writer_opts opts;
	struct writer_job *q_head, *q_tail; /* queued, not taken */
	struct writer_job *d_head, *d_tail; /* committed, done() not run */
	unsigned outstanding;               /* submitted, done() not run */
	bool stopping;
};

/* One job inside the batch transaction, guarded by a savepoint. */
static void run_in_savepoint(struct writer_job *job, struct store *st)
{
	if (store_exec(st, "SAVEPOINT writer_job") < 0) {
		job->status = -1;
		return;
	}
	job->status = 0;
	job->work(job, st);
	if (job->status < 0)
		(void)store_exec(st, "ROLLBACK TO writer_job");
	(void)store_exec(st, "RELEASE writer_job");
}

static void fail_all(struct writer_job *batch)
{
	for (struct writer_job *j = batch; j != NULL; j = j->next)
		j->status = -1;
}

/* Commits batch in one transaction; true when it is durable. On failure
 * every job's status is -1. */
static bool commit_batch(struct store *st, struct writer_job *batch)
{
	if (store_tx_begin(st) < 0) {
		log_warn("event=writer_begin_failed error=\"%s\"", store_errmsg(st));
		fail_all(batch);
		return false;
	}
	for (struct writer_job *j = batch; j != NULL; j = j->next)
		run_in_savepoint(j, st);
	if (store_tx_commit(st) == 0)
		return true;
	log_warn("event=writer_commit_failed error=\"%s\"", store_errmsg(st));
	store_tx_rollback(st);
	fail_all(batch);
	return false;
}

/* Takes up to batch_max queued jobs (mutex held); NULL when none. */
static struct writer_job *take_batch(struct writer *w)
{
	struct writer_job *first = w->q_head, *last = first;
	if (first == NULL)
		return NULL;
	for (unsigned n = 1; n < w->opts.batch_max && last->next != NULL; n++)
		last = last->next;
	w->q_head = last->next;
	if (w->q_head == NULL)
		w->q_tail = NULL;
	last->next = NULL;
	return first;
}

/* Hands a committed batch's jobs to the loop thread, in order, or to the
 * threads waiting in writer_call (mutex held). True when the loop has
 * completions to run. */
static bool put_done(struct writer *w, struct writer_job *batch)
{
	bool for_loop = false, waited = false;
	for (struct writer_job *j = batch, *next; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		if (j->waited) {
			j->finished = true;
			w->outstanding--;
			waited = true;
			continue;
		}
		if (w->d_tail != NULL)
			w->d_tail->next = j;
		else
			w->d_head = j;
		w->d_tail = j;
		for_loop = true;
	}
	if (waited) {
		pthread_cond_broadcast(&w->done_cv);
		pthread_cond_broadcast(&w->room_cv);
	}
	return for_loop;
}

/* The writer thread: batches until stopped and the queue is empty. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->q_head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		struct writer_job *batch = take_batch(w);
		if (batch == NULL)
			break; /* stopping, and nothing left */
		pthread_mutex_unlock(&w->mu);
		uint64_t start = uv_hrtime();
		bool ok = commit_batch(w->st, batch);
		if (w->opts.on_batch != NULL)
			w->opts.on_batch((double)(uv_hrtime() - start) / 1e9, ok);
		pthread_mutex_lock(&w->mu);
		if (put_done(w, batch))
			uv_async_send(&w->async);
	}
	pthread_mutex_unlock(&w->mu);
	store_close(&w->st);
	return NULL;
}

/* Loop thread: runs done() of every committed job, in order. Room in the
 * queue is given back first, so a done() may submit again. */
static void deliver(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	struct writer_job *j = w->d_head;
	w->d_head = w->d_tail = NULL;
	for (struct writer_job *k = j; k != NULL; k = k->next)
		w->outstanding--;
	if (j != NULL)
		pthread_cond_broadcast(&w->room_cv);
	pthread_mutex_unlock(&w->mu);
	for (struct writer_job *next; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->done(j);
	}
}

static void on_async(uv_async_t *h)
{
	deliver(h->data);
}

int writer_start(uv_loop_t *loop, const char *db_url, const struct writer_opts *opts,
                 struct writer **writer_r, const char **error_r)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	w->opts = *opts;
	if (w->opts.capacity == 0)
		w->opts.capacity = 1;
	if (w->opts.batch_max == 0)
		w->opts.batch_max = 1;
	if (store_open(db_url, &w->st, error_r) < 0) {
		free(w);
		return -1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->room_cv, NULL);
	pthread_cond_init(&w->done_cv, NULL);
	uv_async_init(loop, &w->async, on_async);
	w->async.data = w;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		fatal("event=writer_thread_failed");
	*writer_r = w;
	return 0;
}

/* Appends job to the queue and wakes the writer (mutex held, room checked). */
static void enqueue(struct writer *w, struct writer_job *job)
{
	job->next = NULL;
	job->status = 0;
	if (w->q_tail != NULL)
		w->q_tail->next = job;
	else
		w->q_head = job;
	w->q_tail = job;
	w->outstanding++;
	pthread_cond_signal(&w->cv);
}

int writer_submit(struct writer *w, struct writer_job *job)
{
	pthread_mutex_lock(&w->mu);
	if (w->stopping || w->outstanding >= w->opts.capacity) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	job->waited = false;
	enqueue(w, job);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int writer_call(struct writer *w, struct writer_job *job)
{
	pthread_mutex_lock(&w->mu);
	while (!w->stopping && w->outstanding >= w->opts.capacity)
		pthread_cond_wait(&w->room_cv, &w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	job->waited = true;
	job->finished = false;
	enqueue(w, job);
	while (!job->finished)
		pthread_cond_wait(&w->done_cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return job->status;
}

bool writer_full(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	bool full = w->stopping || w->outstanding >= w->opts.capacity;
	pthread_mutex_unlock(&w->mu);
	return full;
}

unsigned writer_outstanding(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	unsigned n = w->outstanding;
	pthread_mutex_unlock(&w->mu);
	return n;
}

static void free_after_close(uv_handle_t *h)
{
	struct writer *w = h->data;
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->room_cv);
	pthread_cond_destroy(&w->done_cv);
	free(w);
}

void writer_stop(struct writer **wp)
{
	struct writer *w = *wp;
	if (w == NULL)
		return;
	*wp = NULL;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->cv);
	pthread_cond_broadcast(&w->room_cv); /* writer_call waiting for room: -1 */
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL); /* commits what is queued */
	deliver(w);
	uv_close((uv_handle_t *)&w->async, free_after_close);
}
