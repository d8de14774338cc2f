/* Unit tests for cmd/periodic: runs on the worker pool, kicks from other
 * threads, and a stop while kicks keep coming (irisd's drain, when worker
 * threads still queue mail). Run under ASan: a kick reaching a closed or
 * freed handle is a use-after-free report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "cmd/periodic.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#endif
#ifdef HAVE_ASAN
#include <sanitizer/asan_interface.h>
/* libuv is not instrumented: a kick into freed memory would go unseen, so
 * check directly that the kicked object is still alive. */
#define ASSERT_ALIVE(p) assert_int_equal(__asan_address_is_poisoned(p), 0)
#else
#define ASSERT_ALIVE(p) ((void)(p))
#endif

struct fixture {
	uv_loop_t loop;
	uv_timer_t stopper;
	struct periodic *p;
	atomic_int runs;
	atomic_int runs_at_stop;
	atomic_bool kicking;
	atomic_long kicks;
	unsigned run_sleep_us;
};

static void duty(void *ctx)
{
	struct fixture *f = ctx;
	if (f->run_sleep_us)
		usleep(f->run_sleep_us);
	atomic_fetch_add(&f->runs, 1);
}

static void *kicker(void *arg)
{
	struct fixture *f = arg;
	while (atomic_load(&f->kicking)) {
		periodic_kick(f->p);
		atomic_fetch_add(&f->kicks, 1);
		usleep(50);
	}
	return NULL;
}

static void stop_cb(uv_timer_t *t)
{
	struct fixture *f = t->data;
	periodic_stop(f->p);
	atomic_store(&f->runs_at_stop, atomic_load(&f->runs));
	uv_close((uv_handle_t *)t, NULL);
}

/* Starts the duty with kickers on other threads, stops it after stop_ms
 * from the loop thread while the kickers go on, runs the loop to its end,
 * then lets the kickers kick the stopped duty before they end. */
static void run_scenario(struct fixture *f, unsigned stop_ms, int threads)
{
	pthread_t th[4];
	assert_int_equal(uv_loop_init(&f->loop), 0);
	f->p = periodic_start(&f->loop, 5, duty, f);
	atomic_store(&f->kicking, true);
	for (int i = 0; i < threads; i++)
		assert_int_equal(pthread_create(&th[i], NULL, kicker, f), 0);
	uv_timer_init(&f->loop, &f->stopper);
	f->stopper.data = f;
	uv_timer_start(&f->stopper, stop_cb, stop_ms, 0);
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	/* The loop has finished; kicks keep arriving for a while, into an
	 * object that must still be there until periodic_free. */
	ASSERT_ALIVE(f->p);
	long kicks = atomic_load(&f->kicks);
	while (atomic_load(&f->kicks) < kicks + 200)
		usleep(100);
	atomic_store(&f->kicking, false);
	for (int i = 0; i < threads; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	ASSERT_ALIVE(f->p);
	periodic_free(f->p);
	assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* P-AVL-2 */
/* Kicks from several threads while the duty is stopped: no kick reaches a
 * closed handle, the loop ends, and no run starts after the stop (one in
 * progress at the stop may finish). */
static void test_stop_while_kicked(void **state)
{
	for (int round = 0; round < 5; round++) {
		struct fixture f = {.run_sleep_us = 200};
		run_scenario(&f, 150, 3);
		assert_true(atomic_load(&f.runs) >= 1);
		assert_true(atomic_load(&f.runs) <= atomic_load(&f.runs_at_stop) + 1);
		assert_true(atomic_load(&f.kicks) > 200);
	}
}

/* P-AVL-2 */
/* A run still in progress when the duty is stopped finishes before uv_run
 * returns; periodic_free then finds nothing busy. */
static void test_stop_during_a_long_run(void **state)
{
	struct fixture f = {.run_sleep_us = 300 * 1000};
	run_scenario(&f, 150, 1); /* the first run starts at 100 ms */
	assert_int_equal(atomic_load(&f.runs), 1);
	assert_int_equal(atomic_load(&f.runs_at_stop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stop_while_kicked),
	    cmocka_unit_test(test_stop_during_a_long_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
