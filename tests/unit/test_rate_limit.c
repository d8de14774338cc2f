/*
 * Unit tests for domain/rate_limit: token buckets per key, refill,
 * Retry-After, IPv6 /64 grouping, bounded tables, and the credential-
 * stuffing detector with its metric.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/metrics.h"
#include "domain/rate_limit.h"

/* P-SEC-8 */
static void test_bucket_refuses_then_refills(void **state)
{
	(void)state;
	rate_limit_reset();
	rate_limit_configure(RL_ACCOUNT, 5, 10);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rate_limit_take(RL_ACCOUNT, "acc-1"), 0);
	int wait = rate_limit_take(RL_ACCOUNT, "acc-1");
	assert_true(wait >= 1);
	/* Another key is not affected. */
	assert_int_equal(rate_limit_take(RL_ACCOUNT, "acc-2"), 0);
	/* 10 tokens a second: after 250 ms at least one is back. */
	usleep(250 * 1000);
	assert_int_equal(rate_limit_take(RL_ACCOUNT, "acc-1"), 0);
	int64_t refused = metrics_value(
	    metrics_counter("rate_limited_total{scope=\"account\"}", "Requests refused"));
	assert_true(refused >= 1);
	/* Burst 0 switches the kind off. */
	rate_limit_configure(RL_ACCOUNT, 0, 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(rate_limit_take(RL_ACCOUNT, "acc-1"), 0);
}

/* P-SEC-8 */
static void test_address_grouping_and_bounds(void **state)
{
	(void)state;
	rate_limit_reset();
	rate_limit_configure(RL_ADDRESS, 3, 0.01);
	assert_int_equal(rate_limit_take(RL_ADDRESS, "2001:db8:1:2::1"), 0);
	assert_int_equal(rate_limit_take(RL_ADDRESS, "2001:db8:1:2:ffff::9"), 0);
	assert_int_equal(rate_limit_take(RL_ADDRESS, "2001:db8:1:2:abcd::3"), 0);
	assert_true(rate_limit_take(RL_ADDRESS, "2001:db8:1:2::77") > 1); /* same /64 */
	assert_int_equal(rate_limit_take(RL_ADDRESS, "2001:db8:1:3::1"), 0);
	assert_int_equal(rate_limit_take(RL_ADDRESS, "192.0.2.1"), 0);
	/* Far more keys than slots: memory stays bounded and nothing breaks. */
	char key[32];
	for (int i = 0; i < 3 * RATE_LIMIT_SLOTS; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		assert_int_equal(rate_limit_take(RL_ADDRESS, key), 0);
	}
}

/* P-SEC-8 */
static void test_credential_stuffing_detected_once(void **state)
{
	(void)state;
	rate_limit_reset();
	struct metric *m = metrics_counter("security_events_total{kind=\"credential_stuffing\"}",
	                                   "Abnormal patterns detected");
	int64_t before = metrics_value(m);
	char user[32];
	/* Many failures for one username are not stuffing (that is the lockout's job). */
	for (int i = 0; i < 50; i++)
		assert_false(rate_limit_login_failure("198.51.100.7", "alice"));
	int crossed = 0;
	for (int i = 0; i < 30; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		crossed += rate_limit_login_failure("198.51.100.7", user);
	}
	assert_int_equal(crossed, 1);
	assert_int_equal(metrics_value(m), before + 1);
	/* Another address has its own count. */
	for (int i = 0; i < 5; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		assert_false(rate_limit_login_failure("198.51.100.8", user));
	}
}

/* P-SEC-8: the limits are settings rows (ratelimit.*), applied at start and
 * on SIGHUP; a burst of 0 switches a kind off. */
static void test_limits_from_settings(void **state)
{
	(void)state;
	struct config cfg;
	char *error = NULL;
	rate_limit_reset();
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "ratelimit.account_burst", "2", &error), 0);
	assert_int_equal(config_set(&cfg, "ratelimit.account_per_min", "6", &error), 0);
	assert_int_equal(config_set(&cfg, "ratelimit.address_burst", "0", &error), 0);
	rate_limit_apply_config(&cfg);
	assert_int_equal(rate_limit_take(RL_ACCOUNT, "acc-cfg"), 0);
	assert_int_equal(rate_limit_take(RL_ACCOUNT, "acc-cfg"), 0);
	int wait = rate_limit_take(RL_ACCOUNT, "acc-cfg");
	assert_true(wait >= 9 && wait <= 11); /* 6 a minute: one every 10 s */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(rate_limit_take(RL_ADDRESS, "192.0.2.200"), 0);
	/* the credential-stuffing threshold is a setting too */
	assert_int_equal(config_set(&cfg, "ratelimit.stuffing_usernames", "3", &error), 0);
	rate_limit_apply_config(&cfg);
	assert_false(rate_limit_login_failure("192.0.2.210", "u1"));
	assert_false(rate_limit_login_failure("192.0.2.210", "u2"));
	assert_true(rate_limit_login_failure("192.0.2.210", "u3"));
	/* the defaults: generous for people */
	config_free(&cfg);
	config_defaults(&cfg);
	rate_limit_apply_config(&cfg);
	rate_limit_reset();
	for (int i = 0; i < 100; i++)
		assert_int_equal(rate_limit_take(RL_ADDRESS, "192.0.2.201"), 0);
	config_free(&cfg);
}

/* P-SEC-8: IPv4 clients of a dual-stack listener (::ffff:a.b.c.d) keep one
 * key each instead of sharing the /64 of the mapped range. */
static void test_mapped_ipv4_keys(void **state)
{
	(void)state;
	char a[RATE_LIMIT_KEY_MAX], b[RATE_LIMIT_KEY_MAX];
	rate_limit_address_key("::ffff:192.0.2.1", a);
	rate_limit_address_key("::ffff:192.0.2.2", b);
	assert_string_equal(a, "192.0.2.1");
	assert_string_equal(b, "192.0.2.2");
	rate_limit_address_key("2001:db8:1:2:3:4:5:6", a);
	assert_string_equal(a, "2001:db8:1:2::");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bucket_refuses_then_refills),
	    cmocka_unit_test(test_address_grouping_and_bounds),
	    cmocka_unit_test(test_credential_stuffing_detected_once),
	    cmocka_unit_test(test_limits_from_settings),
	    cmocka_unit_test(test_mapped_ipv4_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
