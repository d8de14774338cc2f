/* Unit tests for store/writer: the dedicated writer thread, its bounded
 * queue, group commit with a savepoint per job, completions on the loop in
 * order, and the drain on stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/writer.h"

struct fixture {
	char dir[64];
	char url[140];
	struct store *st; /* the test's own connection, to read back */
	uv_loop_t loop;
};

struct tjob {
	struct writer_job wj;
	int n;      /* row to insert */
	bool fail;  /* work fails after inserting */
	bool gate;  /* work waits until the test opens the gate */
	int *order; /* done() appends n here */
	int *n_done;
	int status;     /* copied in done() */
	bool committed; /* the row was readable from another connection in done() */
	const char *url;
};

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open, gate_entered;
static unsigned batches, batches_failed;

static void on_batch(double seconds, bool ok)
{
	(void)seconds;
	__atomic_add_fetch(&batches, 1, __ATOMIC_RELAXED);
	if (!ok)
		__atomic_add_fetch(&batches_failed, 1, __ATOMIC_RELAXED);
}

static void tjob_work(struct writer_job *wj, struct store *st)
{
	struct tjob *j = (struct tjob *)wj;
	if (j->gate) {
		pthread_mutex_lock(&gate_mu);
		gate_entered = true;
		pthread_cond_broadcast(&gate_cv);
		while (!gate_open)
			pthread_cond_wait(&gate_cv, &gate_mu);
		pthread_mutex_unlock(&gate_mu);
	}
	if (store_run(st, "INSERT INTO t (n) VALUES (?)", "d", j->n) != STORE_DONE || j->fail)
		wj->status = -1;
}

static bool row_exists(const char *url, int n)
{
	struct store *st = NULL;
	const char *error = NULL;
	assert_int_equal(store_open(url, &st, &error), 0);
	struct store_stmt *q = store_query(st, "SELECT count(*) FROM t WHERE n = ?", "d", n);
	assert_non_null(q);
	assert_int_equal(store_step(q), STORE_ROW);
	bool found = store_col_int(q, 0) > 0;
	store_stmt_done(q);
	store_close(&st);
	return found;
}

static void tjob_done(struct writer_job *wj)
{
	struct tjob *j = (struct tjob *)wj;
	j->status = wj->status;
	j->committed = row_exists(j->url, j->n);
	j->order[(*j->n_done)++] = j->n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-writer-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->url, sizeof(f->url), "sqlite:%s/iris.db", f->dir);
	assert_int_equal(store_open(f->url, &f->st, &error), 0);
	assert_int_equal(store_exec(f->st, "CREATE TABLE t (n INTEGER NOT NULL)"), 0);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	gate_open = true;
	batches = batches_failed = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	store_close(&f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void init_jobs(struct fixture *f, struct tjob *jobs, size_t n, int *order, int *n_done)
{
	memset(jobs, 0, n * sizeof(*jobs));
	for (size_t i = 0; i < n; i++) {
		jobs[i].wj.work = tjob_work;
		jobs[i].wj.done = tjob_done;
		jobs[i].n = (int)i + 1;
		jobs[i].order = order;
		jobs[i].n_done = n_done;
		jobs[i].url = f->url;
	}
}

static void run_until(struct fixture *f, const int *n_done, int want)
{
	while (*n_done < want)
		uv_run(&f->loop, UV_RUN_ONCE);
}

static void set_gate(bool open)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = open;
	gate_entered = false;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* Submits job (a gated one) and waits until the writer thread runs it:
 * jobs submitted next queue behind it and form the next batch together. */
static void hold_writer(struct writer *w, struct tjob *job)
{
	set_gate(false);
	job->gate = true;
	assert_int_equal(writer_submit(w, &job->wj), 0);
	pthread_mutex_lock(&gate_mu);
	while (!gate_entered)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

/* Completions come in submission order, each after its row is readable by
 * another connection (durable, committed). */
static void test_order_and_durability(void **state)
{
	struct fixture *f = *state;
	struct writer_opts o = {.capacity = 100, .batch_max = 7, .on_batch = on_batch};
	struct writer *w = NULL;
	const char *error = NULL;
	struct tjob jobs[40];
	int order[40], n_done = 0;
	init_jobs(f, jobs, 40, order, &n_done);
	assert_int_equal(writer_start(&f->loop, f->url, &o, &w, &error), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(writer_submit(w, &jobs[i].wj), 0);
	run_until(f, &n_done, 40);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(order[i], i + 1);
		assert_int_equal(jobs[i].status, 0);
		assert_true(jobs[i].committed);
	}
	assert_int_equal(writer_outstanding(w), 0);
	/* at most batch_max jobs per transaction: 40 jobs need 6 batches or more */
	assert_true(__atomic_load_n(&batches, __ATOMIC_RELAXED) >= 6);
	writer_stop(&w);
	assert_null(w);
}

/* A failing job is rolled back alone; its neighbours in the same batch
 * commit. The gate holds the first job so the rest queue into one batch. */
static void test_failing_job_alone(void **state)
{
	struct fixture *f = *state;
	struct writer_opts o = {.capacity = 100, .batch_max = 100, .on_batch = on_batch};
	struct writer *w = NULL;
	const char *error = NULL;
	struct tjob jobs[5];
	int order[5], n_done = 0;
	init_jobs(f, jobs, 5, order, &n_done);
	jobs[2].fail = true;
	assert_int_equal(writer_start(&f->loop, f->url, &o, &w, &error), 0);
	hold_writer(w, &jobs[0]);
	for (int i = 1; i < 5; i++)
		assert_int_equal(writer_submit(w, &jobs[i].wj), 0);
	set_gate(true);
	run_until(f, &n_done, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(order[i], i + 1);
		assert_int_equal(jobs[i].status, i == 2 ? -1 : 0);
		assert_int_equal(jobs[i].committed, i != 2);
	}
	assert_int_equal(__atomic_load_n(&batches_failed, __ATOMIC_RELAXED), 0);
	writer_stop(&w);
}

/* The queue holds `capacity` outstanding jobs; the next is refused and stays
 * the caller's; room comes back once completions ran on the loop. */
static void test_queue_bound(void **state)
{
	struct fixture *f = *state;
	struct writer_opts o = {.capacity = 4, .batch_max = 2, .on_batch = NULL};
	struct writer *w = NULL;
	const char *error = NULL;
	struct tjob jobs[6];
	int order[6], n_done = 0;
	init_jobs(f, jobs, 6, order, &n_done);
	assert_int_equal(writer_start(&f->loop, f->url, &o, &w, &error), 0);
	hold_writer(w, &jobs[0]);
	for (int i = 1; i < 4; i++)
		assert_int_equal(writer_submit(w, &jobs[i].wj), 0);
	assert_true(writer_full(w));
	assert_int_equal(writer_submit(w, &jobs[4].wj), -1);
	assert_int_equal(writer_outstanding(w), 4);
	set_gate(true);
	run_until(f, &n_done, 4);
	assert_false(writer_full(w));
	assert_int_equal(writer_submit(w, &jobs[4].wj), 0);
	assert_int_equal(writer_submit(w, &jobs[5].wj), 0);
	run_until(f, &n_done, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(order[i], i + 1);
	writer_stop(&w);
}

/* Stop drains: every job queued before it is committed and its done() runs
 * before writer_stop returns; later submissions are refused. */
static void test_stop_drains(void **state)
{
	struct fixture *f = *state;
	struct writer_opts o = {.capacity = 1000, .batch_max = 16, .on_batch = NULL};
	struct writer *w = NULL;
	const char *error = NULL;
	static struct tjob jobs[200];
	int order[200], n_done = 0;
	init_jobs(f, jobs, 200, order, &n_done);
	assert_int_equal(writer_start(&f->loop, f->url, &o, &w, &error), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(writer_submit(w, &jobs[i].wj), 0);
	writer_stop(&w);
	assert_int_equal(n_done, 200);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(order[i], i + 1);
		assert_true(jobs[i].committed);
	}
}

/* A job that breaks a deferred foreign key passes its savepoint and fails
 * the batch's COMMIT. */
static void failing_commit_work(struct writer_job *wj, struct store *st)
{
	if (store_run(st, "INSERT INTO c (p) VALUES (42)", "") != STORE_DONE)
		wj->status = -1;
}

static void test_commit_failure_fails_batch(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_exec(f->st, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
	                                   "CREATE TABLE c (p INTEGER REFERENCES p(id)"
	                                   " DEFERRABLE INITIALLY DEFERRED)"),
	                 0);
	struct writer_opts o = {.capacity = 10, .batch_max = 10, .on_batch = on_batch};
	struct writer *w = NULL;
	const char *error = NULL;
	struct tjob jobs[4];
	int order[4], n_done = 0;
	init_jobs(f, jobs, 4, order, &n_done);
	jobs[2].wj.work = failing_commit_work;
	assert_int_equal(writer_start(&f->loop, f->url, &o, &w, &error), 0);
	hold_writer(w, &jobs[0]); /* its own batch, which commits */
	for (int i = 1; i < 4; i++)
		assert_int_equal(writer_submit(w, &jobs[i].wj), 0);
	set_gate(true);
	run_until(f, &n_done, 4);
	assert_int_equal(jobs[0].status, 0);
	assert_true(jobs[0].committed);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(jobs[i].status, -1);
		assert_false(jobs[i].committed);
	}
	assert_int_equal(__atomic_load_n(&batches_failed, __ATOMIC_RELAXED), 1);
	writer_stop(&w);
}

struct caller {
	struct writer *w;
	struct tjob *jobs;
	int n;
	int rc[4];
	bool finished;
};

static void *caller_main(void *arg)
{
	struct caller *c = arg;
	for (int i = 0; i < c->n; i++)
		c->rc[i] = writer_call(c->w, &c->jobs[i].wj);
	__atomic_store_n(&c->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

/* writer_call from another thread (a REST worker): it waits for room while
 * the queue is full, then for its job's durable commit, and gets the job's
 * status; done() is not called for its jobs. */
static void test_call_waits_for_room_and_commit(void **state)
{
	struct fixture *f = *state;
	struct writer_opts o = {.capacity = 1, .batch_max = 8, .on_batch = NULL};
	struct writer *w = NULL;
	const char *error = NULL;
	struct tjob jobs[3];
	int order[3], n_done = 0;
	init_jobs(f, jobs, 3, order, &n_done);
	jobs[2].fail = true;
	assert_int_equal(writer_start(&f->loop, f->url, &o, &w, &error), 0);
	hold_writer(w, &jobs[0]); /* the queue (capacity 1) is full */
	struct caller c = {.w = w, .jobs = jobs + 1, .n = 2};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, caller_main, &c), 0);
	usleep(50 * 1000);
	assert_false(__atomic_load_n(&c.finished, __ATOMIC_ACQUIRE)); /* waits for room */
	set_gate(true);
	while (!__atomic_load_n(&c.finished, __ATOMIC_ACQUIRE))
		uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(n_done, 1); /* only the submitted job's done() ran */
	assert_int_equal(order[0], 1);
	assert_int_equal(c.rc[0], 0);
	assert_int_equal(c.rc[1], -1);
	assert_true(row_exists(f->url, 2));
	assert_false(row_exists(f->url, 3));
	assert_int_equal(writer_outstanding(w), 0);
	writer_stop(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_and_durability, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failing_job_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_drains, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_failure_fails_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_call_waits_for_room_and_commit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
