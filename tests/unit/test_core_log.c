/* Unit tests for core/log: levels, whole lines, and a level change (SIGHUP
 * on the loop thread) while other threads log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* Reads back everything written to f as one NUL-terminated string. */
static char *contents(FILE *f)
{
	long n = ftell(f);
	assert_true(n >= 0);
	char *buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	return buf;
}

static void test_level_filters(void **state)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	log_init(LOG_LEVEL_WARN, f);
	log_info("event=hidden");
	log_warn("event=shown n=%d", 1);
	char *text = contents(f);
	assert_null(strstr(text, "hidden"));
	assert_non_null(strstr(text, "level=warn event=shown n=1\n"));
	free(text);
	log_init(LOG_LEVEL_INFO, NULL);
	fclose(f);
}

struct logger {
	_Atomic bool stop;
	long lines;
};

static void *log_lines(void *arg)
{
	struct logger *l = arg;
	do {
		log_warn("event=worker_line n=%ld", l->lines++);
	} while (!l->stop);
	return NULL;
}

/* SIGHUP sets the level on the loop thread while workers log: every line
 * comes out whole and the threshold is read atomically. Under the
 * ThreadSanitizer build (make check-tsan) this fails with a data race report
 * unless it is. */
static void test_level_change_while_threads_log(void **state)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	log_init(LOG_LEVEL_INFO, f);
	struct logger l = {.stop = false};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, log_lines, &l), 0);
	for (int i = 0; i < 500; i++)
		log_init(i % 2 ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG, f);
	l.stop = true;
	pthread_join(th, NULL);
	char *text = contents(f);
	long whole = 0;
	for (char *p = text; (p = strstr(p, "level=warn event=worker_line n=")) != NULL; p++)
		whole++;
	assert_int_equal(whole, l.lines);
	free(text);
	log_init(LOG_LEVEL_INFO, NULL);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_level_filters),
	    cmocka_unit_test(test_level_change_while_threads_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
