/* Unit tests for core/metrics: registry and Prometheus text format 0.0.4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void test_counter_idempotent(void **state)
{
	struct metric *a = metrics_counter("t_requests_total", "Requests");
	struct metric *b = metrics_counter("t_requests_total", "ignored");
	assert_ptr_equal(a, b);
	metrics_inc(a);
	metrics_add(b, 41);
	assert_int_equal(metrics_value(a), 42);
	metrics_inc(NULL); /* ignored, no crash */
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_render_format(void **state)
{
	metrics_inc(metrics_counter("t_http_total{class=\"2xx\"}", "HTTP by class"));
	metrics_add(metrics_counter("t_http_total{class=\"4xx\"}", "HTTP by class"), 3);
	metrics_gauge("t_other", "Something else");
	metrics_add(metrics_counter("t_http_total{class=\"2xx\"}", "x"), 1);
	metrics_gauge_set(metrics_gauge("t_active", "Active\nthings \\ here"), -5);
	size_t len;
	char *text = metrics_render(&len);
	assert_int_equal(strlen(text), len);
	/* One HELP/TYPE per family, its samples grouped right after. */
	const char *block = "# HELP t_http_total HTTP by class\n"
	                    "# TYPE t_http_total counter\n"
	                    "t_http_total{class=\"2xx\"} 2\n"
	                    "t_http_total{class=\"4xx\"} 3\n";
	const char *fam = strstr(text, block);
	assert_non_null(fam);
	assert_int_equal(count_lines_with(text, "# TYPE t_http_total "), 1);
	assert_non_null(strstr(text, "# HELP t_active Active\\nthings \\\\ here\n"
	                             "# TYPE t_active gauge\nt_active -5\n"));
	assert_int_equal(text[len - 1], '\n');
	free(text);
}

static void test_histogram(void **state)
{
	static const double bounds[] = {0.1, 1};
	struct metric *h = metrics_histogram("t_latency_seconds{op=\"x\"}", "Latency", bounds, 2);
	metrics_observe(h, 0.05);
	metrics_observe(h, 0.5);
	metrics_observe(h, 7);
	char *text = metrics_render(NULL);
	assert_non_null(strstr(text, "# TYPE t_latency_seconds histogram\n"
	                             "t_latency_seconds_bucket{op=\"x\",le=\"0.1\"} 1\n"
	                             "t_latency_seconds_bucket{op=\"x\",le=\"1\"} 2\n"
	                             "t_latency_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"
	                             "t_latency_seconds_sum{op=\"x\"} 7.550000\n"
	                             "t_latency_seconds_count{op=\"x\"} 3\n"));
	free(text);
}

static void *bump(void *arg)
{
	struct metric *m = metrics_counter("t_threads_total", "Bumped from threads");
	for (int i = 0; i < 100000; i++)
		metrics_inc(m);
	return arg;
}

static void test_threads(void **state)
{
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, bump, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(metrics_value(metrics_counter("t_threads_total", "")), 400000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_idempotent),
	    cmocka_unit_test(test_render_format),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
