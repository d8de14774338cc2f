/* Unit tests for core/config: the typed settings table. */
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
#include <unistd.h>

#include "core/config.h"

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/iris-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults(void **state)
{
	struct config cfg;
	config_defaults(&cfg);
	assert_int_equal(cfg.http_port, 8443);
	assert_true(cfg.http_tls);
	assert_false(cfg.dev_mode);
	assert_string_equal(cfg.domain, "localhost");
	config_free(&cfg);
}

static void test_file_overrides(void **state)
{
	struct config cfg;
	char *error = NULL;
	char *path = write_temp("[server]\ndomain = chat.example.org\n[http]\nport = 9443\n");
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, &error), 0);
	assert_string_equal(cfg.domain, "chat.example.org");
	assert_int_equal(cfg.http_port, 9443);
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void expect_error(const char *text, const char *needle)
{
	struct config cfg;
	char *error = NULL;
	char *path = write_temp(text);
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, &error), -1);
	assert_non_null(error);
	assert_non_null(strstr(error, needle));
	free(error);
	config_free(&cfg);
	unlink(path);
	free(path);
}

/* libinih says only where a syntax error is: the message says what it is,
 * and an error is reported on its own line. */
static void test_syntax_errors_explained(void **state)
{
	/* a broken section header, not the "unknown setting" it causes below */
	expect_error("[server]\ndomain = x\n[http\nport = 1\n", "line 3: broken section header");
	expect_error("[server]\ndomain\n", "line 2: expected 'key = value'");
	expect_error("port = 1\n[http]\n", "line 1: 'port' is outside any [section]");
	/* a bad value far down the file names its own line */
	expect_error("[server]\ndomain = x\n\n; comment\n[http]\nport = x\n",
	             "line 6: http.port: expected an integer");
}

static void test_bad_values(void **state)
{
	expect_error("[http]\nport = 70000\n", "outside");
	expect_error("[http]\nport = eighty\n", "integer");
	expect_error("[server]\ndev_mode = maybe\n", "true or false");
	expect_error("[server]\ncolour = blue\n", "unknown setting");
	expect_error("[http]\ntls_cert = /x.pem\n", "together");
	expect_error("[server]\nlog_level = loud\n", "log_level");
}

/* An upgrade keeps the old settings file working: a retired setting is
 * ignored (with a warning), an unknown one is still an error. */
static void test_retired_setting_accepted(void **state)
{
	struct config cfg;
	char *error = NULL;
	char *path = write_temp("[auth]\nlogin_lockout_s = 300\nlogin_max_failures = 7\n");
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, &error), 0);
	assert_int_equal(cfg.login_max_failures, 7);
	assert_non_null(config_retired("auth.login_lockout_s"));
	assert_null(config_retired("auth.login_lockout"));
	config_free(&cfg);
	unlink(path);
	free(path);
	expect_error("[auth]\nlogin_lockout = 300\n", "unknown setting");
}

/* P-SEC-3: plaintext HTTP only with development mode. */
static void test_plaintext_needs_dev_mode(void **state)
{
	expect_error("[http]\ntls = false\n", "dev_mode");
	struct config cfg;
	char *error = NULL;
	char *path = write_temp("[server]\ndev_mode = true\n[http]\ntls = false\n");
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, &error), 0);
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void test_reloadable_only(void **state)
{
	struct config a, b;
	char *error = NULL;
	config_defaults(&a);
	config_defaults(&b);
	assert_int_equal(config_set(&b, "http.port", "1234", &error), 0);
	assert_int_equal(config_set(&b, "auth.token_ttl_s", "600", &error), 0);
	/* one setting needs a restart (and is named in a warning) */
	assert_int_equal(config_apply_reloadable(&a, &b), 1);
	assert_int_equal(a.http_port, 8443);
	assert_int_equal(a.token_ttl_s, 600);
	/* nothing changed: nothing pending */
	config_free(&b);
	config_defaults(&b);
	assert_int_equal(config_set(&b, "auth.token_ttl_s", "600", &error), 0);
	assert_int_equal(config_apply_reloadable(&a, &b), 0);
	config_free(&a);
	config_free(&b);
}

/* P-SEC-8: SIGHUP applies the reloadable settings while worker threads read
 * the live ones (smtp.url and smtp.from in the mail sender and in every
 * mail_enqueue): a string a worker already holds stays valid across the
 * reload, and an unchanged value is not even replaced. */
static void test_reload_keeps_held_strings_valid(void **state)
{
	struct config a, b;
	char *error = NULL;
	config_defaults(&a);
	config_defaults(&b);
	assert_int_equal(config_set(&b, "smtp.from", "new@example.org", &error), 0);
	const char *held_from = a.smtp_from; /* a worker's view before the reload */
	const char *held_url = a.smtp_url;
	config_apply_reloadable(&a, &b);
	assert_string_equal(a.smtp_from, "new@example.org");
	assert_string_equal(held_from, "iris@localhost");
	assert_ptr_equal(a.smtp_url, held_url);
	config_free(&a);
	config_free(&b);
}

/* What a worker thread sees of the live settings during reloads. */
struct reader {
	const struct config *live;
	_Atomic bool stop;
	int bad; /* values that were neither the old nor the new one */
	long reads, open;
};

static void *read_live(void *arg)
{
	struct reader *r = arg;
	do {
		int ttl = r->live->token_ttl_s;
		const char *from = r->live->smtp_from;
		if ((ttl != 600 && ttl != 900) ||
		    (strcmp(from, "a@example.org") != 0 && strcmp(from, "b@example.org") != 0))
			r->bad++;
		r->open += r->live->self_registration;
		r->reads++;
	} while (!r->stop);
	return NULL;
}

/* SIGHUP writes the reloadable settings on the loop thread while workers
 * read them without a lock: each read sees a whole old or new value. Under
 * the ThreadSanitizer build (make check-tsan) this test fails with a data
 * race report unless every reloadable field is read and written atomically. */
static void test_reload_while_workers_read(void **state)
{
	struct config live, one, two;
	char *error = NULL;
	config_defaults(&live);
	config_defaults(&one);
	config_defaults(&two);
	assert_int_equal(config_set(&one, "auth.token_ttl_s", "600", &error), 0);
	assert_int_equal(config_set(&one, "smtp.from", "a@example.org", &error), 0);
	assert_int_equal(config_set(&two, "auth.token_ttl_s", "900", &error), 0);
	assert_int_equal(config_set(&two, "auth.self_registration", "false", &error), 0);
	assert_int_equal(config_set(&two, "smtp.from", "b@example.org", &error), 0);
	config_apply_reloadable(&live, &one);
	struct reader r = {.live = &live};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, read_live, &r), 0);
	for (int i = 0; i < 2000; i++)
		config_apply_reloadable(&live, i % 2 ? &one : &two);
	r.stop = true;
	pthread_join(th, NULL);
	assert_int_equal(r.bad, 0);
	assert_true(r.reads > 0);
	config_free(&live);
	config_free(&one);
	config_free(&two);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_file_overrides),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_retired_setting_accepted),
	    cmocka_unit_test(test_syntax_errors_explained),
	    cmocka_unit_test(test_plaintext_needs_dev_mode),
	    cmocka_unit_test(test_reloadable_only),
	    cmocka_unit_test(test_reload_keeps_held_strings_valid),
	    cmocka_unit_test(test_reload_while_workers_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
