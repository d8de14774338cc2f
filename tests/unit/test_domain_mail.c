/* Unit tests for domain/mail: address syntax and the sealed outbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "domain/mail.h"
#include "store/store.h"


static void test_address_syntax(void **state)
{
	static const char *const good[] = {
		"alice@example.org", "a.b-c+tag@sub.example.co.uk", "x@xn--bcher-kva.example",
		"o'neill@example.ie", "1@2.de",
	};
	static const char *const bad[] = {
		"", "alice", "alice@", "@example.org", "alice@example", "a..b@example.org",
		".a@example.org", "a.@example.org", "alice@-example.org", "alice@example-.org",
		"alice@exa mple.org", "al ice@example.org", "a@b@example.org",
		"alice@example..org", "alice\r\n@example.org",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(mail_address_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(mail_address_valid(bad[i]));
	assert_false(mail_address_valid(NULL));
}

/* P-SEC-3: mail crosses the network only over TLS; a local MTA may be plain. */
static void test_remote_relay_requires_tls(void **state)
{
	assert_true(mail_relay_requires_tls("smtp://mail.example.org:25"));
	assert_true(mail_relay_requires_tls("smtp://192.0.2.7"));
	assert_true(mail_relay_requires_tls("smtp://127.example.org"));
	assert_false(mail_relay_requires_tls("smtp://127.0.0.1:2525"));
	assert_false(mail_relay_requires_tls("smtp://localhost"));
	assert_false(mail_relay_requires_tls("smtp://[::1]:25"));
}

struct fixture {
	char dir[64];
	struct config cfg;
	struct app app;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-mail-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	config_defaults(&f->cfg);
	char data[128];
	snprintf(data, sizeof(data), "%s/data", f->dir);
	assert_int_equal(app_init(&f->app, &f->cfg, data, true, &error), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	app_deinit(&f->app);
	config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static bool file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return false;
	size_t cap = 1 << 20, len = 0, n;
	char *buf = malloc(cap);
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(fp);
	bool found = memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

/* P-SEC-2: queued mail (recipient and body) is sealed at rest. */
static void test_outbox_sealed_at_rest(void **state)
{
	struct fixture *f = *state;
	struct store *st = app_thread_store(&f->app);
	assert_int_equal(store_tx_begin(st), 0);
	assert_int_equal(mail_enqueue(&f->app, st, "", "subject-1", "confirm",
				      "canary.recipient@example.org", "Hello",
				      "CANARY-BODY-7f3a confirm your account"),
			 0);
	assert_int_equal(store_tx_commit(st), 0);
	char db[160], wal[170];
	snprintf(db, sizeof(db), "%s/data/iris.db", f->dir);
	snprintf(wal, sizeof(wal), "%s/data/iris.db-wal", f->dir);
	assert_false(file_contains(db, "CANARY-BODY-7f3a"));
	assert_false(file_contains(wal, "CANARY-BODY-7f3a"));
	assert_false(file_contains(db, "canary.recipient@example.org"));
	assert_false(file_contains(wal, "canary.recipient@example.org"));
	/* Without a relay it stays queued, nothing is lost. */
	assert_int_equal(mail_deliver_due(&f->app, st), 0);
	struct store_stmt *s = store_query(st, "SELECT status, rcpt_sealed IS NOT NULL FROM mail_outbox", "");
	assert_int_equal(store_step(s), STORE_ROW);
	assert_string_equal(store_col_text(s, 0), "queued");
	assert_int_equal(store_col_int(s, 1), 1);
	store_stmt_done(s);
}

static void test_header_injection_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = app_thread_store(&f->app);
	assert_int_equal(mail_enqueue(&f->app, st, "", "s", "x", "a@example.org",
				      "Hi\r\nBcc: victim@example.org", "body"),
			 -1);
	assert_int_equal(mail_enqueue(&f->app, st, "", "s", "x", "not-an-address", "Hi", "b"), -1);
}

static void test_forget_subject(void **state)
{
	struct fixture *f = *state;
	struct store *st = app_thread_store(&f->app);
	assert_int_equal(mail_enqueue(&f->app, st, "", "gone", "x", "a@example.org", "s", "b"), 0);
	assert_int_equal(mail_enqueue(&f->app, st, "", "kept", "x", "b@example.org", "s", "b"), 0);
	assert_int_equal(mail_forget_subject(st, "", "gone"), 0);
	struct store_stmt *s = store_query(st, "SELECT subject_id FROM mail_outbox", "");
	assert_int_equal(store_step(s), STORE_ROW);
	assert_string_equal(store_col_text(s, 0), "kept");
	assert_int_equal(store_step(s), STORE_DONE);
	store_stmt_done(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_syntax),
		cmocka_unit_test(test_remote_relay_requires_tls),
		cmocka_unit_test_setup_teardown(test_outbox_sealed_at_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_injection_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_subject, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
