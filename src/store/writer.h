/*
 * store/writer: the one writer of the store (issue 10 item 4). A dedicated
 * thread with its own store connection takes jobs from a bounded queue and
 * commits them in groups: one transaction per batch (BEGIN ... COMMIT with
 * synchronous=FULL, so a job is on disk when its batch returns), each job
 * inside its own savepoint so a failing job is undone alone and its
 * neighbours commit. Completions come back on the loop thread through a
 * uv_async, in submission order, only after the commit is durable: a
 * done() may acknowledge.
 *
 *   loop thread:   writer_submit(job) ... job->done(job)
 *   writer thread:        BEGIN; SAVEPOINT; job->work(job, st); RELEASE;
 *                         ...; COMMIT
 *
 * The queue is bounded: writer_submit() refuses a job (returns -1) when
 * `capacity` jobs are outstanding (submitted, done() not yet run). The
 * submitter keeps the job and applies backpressure to its clients (XMPP
 * pauses reading); room comes back as completions run on the loop.
 *
 * A thread other than the loop's (a REST worker) uses writer_call instead:
 * it waits for room, then for the durable commit of its job's batch.
 *
 * Threads: writer_start, writer_stop and the done() callbacks belong to the
 * loop thread; writer_submit may be called from any thread, writer_call
 * from any but the loop's; work() runs on the writer thread only.
 */
#ifndef IRIS_STORE_WRITER_H
#define IRIS_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct store;
struct writer;

struct writer_job {
	struct writer_job *next; /* the writer's */
	/* Writer thread, inside the batch transaction and the job's savepoint.
	 * Sets status < 0 to have its writes rolled back (the batch goes on). */
	void (*work)(struct writer_job *job, struct store *st);
	/* Loop thread, after the commit (or its failure); may free job. */
	void (*done)(struct writer_job *job);
	/* 0 when the job's writes are durable; -1 when work() failed or the
	 * batch's transaction did not commit. Set by the writer. */
	int status;
	bool waited; /* writer_call's: finished without done() (the writer's) */
	bool finished;
};

struct writer_opts {
	unsigned capacity;  /* jobs outstanding at most (>= 1) */
	unsigned batch_max; /* jobs per transaction at most (>= 1) */
	/* Writer thread, after each batch: its time BEGIN to COMMIT and
	 * whether it committed; may be NULL. */
	void (*on_batch)(double seconds, bool ok);
};

/* Opens a connection to db_url for the writer thread and starts it on loop.
 * -1 with *error_r (static text) when the store cannot be opened. */
int writer_start(uv_loop_t *loop, const char *db_url, const struct writer_opts *opts,
                 struct writer **writer_r, const char **error_r);

/* Queues job (work and done set by the caller) behind every job submitted
 * before it. 0: accepted, job->done will run on the loop thread. -1: the
 * queue is full or the writer stops; the job is untouched and stays the
 * caller's. */
int writer_submit(struct writer *w, struct writer_job *job);

/* From a thread that is not the loop's: waits while the queue is full
 * (backpressure: the caller's client waits), queues job (work set; done is
 * not used) and waits until its batch committed or failed. Returns the
 * job's status: 0 when its writes are durable, -1 when work() failed, the
 * commit failed or the writer stops. */
int writer_call(struct writer *w, struct writer_job *job);

/* True while the writer would refuse a job (the queue is full). */
bool writer_full(struct writer *w);

/* Jobs submitted whose done() has not run yet. */
unsigned writer_outstanding(struct writer *w);

/* Drains and stops (loop thread): refuses new jobs, lets the thread commit
 * every queued job, joins it, runs the remaining done() callbacks, then
 * closes the async handle; the memory is freed by the loop once closed.
 * *wp is set to NULL; NULL is accepted. */
void writer_stop(struct writer **wp);

#endif
