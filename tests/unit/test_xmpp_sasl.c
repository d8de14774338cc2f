/* Unit tests for the SASL helpers: strict base64, the login throttle shared
 * with REST logins (P-SEC-5), account lookups. */
#include "test_xmpp_archive_fixture.h"
#include "domain/auth.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"

static void test_b64(void **state)
{
	unsigned char *out;
	size_t len;
	assert_int_equal(sasl_b64_decode("AGJvYgBzZWNyZXQ=", &out, &len), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(out, "\0bob\0secret", 11);
	free(out);
	assert_int_equal(sasl_b64_decode("=", &out, &len), 0);
	assert_int_equal(len, 0);
	free(out);
	/* not canonical / hostile */
	assert_int_equal(sasl_b64_decode("AGJvYg", &out, &len), -1);
	assert_int_equal(sasl_b64_decode("AG=vYg==", &out, &len), -1);
	assert_int_equal(sasl_b64_decode("AGJv\nYg==", &out, &len), -1);
	assert_int_equal(sasl_b64_decode("A===", &out, &len), -1);
	char *enc = sasl_b64_encode("\0bob\0secret", 11);
	assert_string_equal(enc, "AGJvYgBzZWNyZXQ=");
	free(enc);
}

static void add_event(struct xfixture *f, const char *user_key, const char *addr, const char *res,
                      int64_t at)
{
	char id[IDS_UUID_LEN];
	ids_uuid4(id);
	assert_int_equal(store_run(f->st,
	                           "INSERT INTO login_events (id, account_id, tenant_id, at_ms, "
	                           "addr_hash, result, user_key) VALUES (?, NULL, '', ?, ?, ?, ?)",
	                           "sisss", id, at, addr, res, user_key),
	                 STORE_DONE);
}

/* P-SEC-8: the throttle XMPP logins share with REST: login_max_failures
 * failures of one (user, address) pair delay that pair only; a success
 * clears it; an address past login_address_max_failures is delayed for
 * every user; outside the window nothing counts. */
static void test_throttle(void **state)
{
	struct xfixture *f = *state;
	char *cerr = NULL;
	int64_t now = sasl_now_ms();
	assert_int_equal(config_set(&f->cfg, "auth.login_address_max_failures", "12", &cerr), 0);
	assert_int_equal(auth_throttle_check(&f->app, f->st, "user-1", "addr-1"), 0);
	for (int i = 0; i < f->cfg.login_max_failures; i++)
		add_event(f, "user-1", "addr-1", "bad_password", now - 1000 + i);
	assert_true(auth_throttle_check(&f->app, f->st, "user-1", "addr-1") > 0);
	assert_int_equal(auth_throttle_check(&f->app, f->st, "user-1", "addr-2"), 0);
	assert_int_equal(auth_throttle_check(&f->app, f->st, "user-2", "addr-1"), 0);
	add_event(f, "user-1", "addr-1", "success", now);
	assert_int_equal(auth_throttle_check(&f->app, f->st, "user-1", "addr-1"), 0);
	for (int i = 0; i < 12; i++) {
		char user[16];
		snprintf(user, sizeof(user), "guess-%d", i);
		add_event(f, user, "addr-9", "unknown_user", now - 10 + i);
	}
	assert_true(auth_throttle_check(&f->app, f->st, "user-1", "addr-9") > 0);
	/* outside the window nothing counts */
	for (int i = 0; i < 20; i++)
		add_event(f, "user-3", "addr-old", "unknown_user",
		          now - (int64_t)f->cfg.login_window_s * 1000 - 5000);
	assert_int_equal(auth_throttle_check(&f->app, f->st, "user-3", "addr-old"), 0);
}

static void test_lookup_unknown(void **state)
{
	struct xfixture *f = *state;
	struct xacct a;
	assert_int_equal(xacct_by_username(f->st, "nobody", &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_b64),
	    cmocka_unit_test_setup_teardown(test_throttle, xfixture_setup, xfixture_teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_unknown, xfixture_setup, xfixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
