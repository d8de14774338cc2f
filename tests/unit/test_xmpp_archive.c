/* Unit tests for the sealed 1:1 archive and offline storage (P-SEC-2,
 * P-CHAT-1, P-CHAT-2 layout, XEP-0160). */
#include "test_xmpp_archive_fixture.h"
#include "xmpp/c2s_internal.h"

#define ALICE "1a1a1a1a-1d2b-4c3d-8e4f-5a6b7c8d9e0f"
#define BOB "2b2b2b2b-1d2b-4c3d-8e4f-5a6b7c8d9e0f"
#define STANZA "<message type='chat' to='bob@localhost'><body>canary-archive-77</body></message>"

/* The conversation subject is the same from both sides; a shared tenant
 * holds its key, otherwise the installation-wide "" does. */
static void test_conv_subject(void **state)
{
	char s1[2 * IDS_UUID_LEN + 8], s2[2 * IDS_UUID_LEN + 8], t1[IDS_UUID_LEN], t2[IDS_UUID_LEN];
	archive_conv_subject(ALICE, TENANT_A, BOB, TENANT_A, s1, t1);
	archive_conv_subject(BOB, TENANT_A, ALICE, TENANT_A, s2, t2);
	assert_string_equal(s1, s2);
	assert_string_equal(s1, "conv:" ALICE ":" BOB);
	assert_string_equal(t1, TENANT_A);
	archive_conv_subject(ALICE, TENANT_A, BOB, TENANT_B, s1, t1);
	assert_string_equal(t1, "");
}

/* P-SEC-2: a message is sealed once, viewed by both participants, kept
 * offline for the recipient, opened intact, never stored in clear. */
static void test_store_and_offline(void **state)
{
	struct xfixture *f = *state;
	char id[IDS_UUID_LEN];
	struct archive_msg m = {ALICE, TENANT_A, BOB, TENANT_A, STANZA, strlen(STANZA), true, 1000};
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(archive_store(&f->app, f->st, &m, id), 0);
	assert_int_equal(store_tx_commit(f->st), 0);
	assert_int_equal(offline_count(f->st, BOB), 1);
	assert_int_equal(offline_count(f->st, ALICE), 0);
	struct store_stmt *q = store_query(
	    f->st,
	    "SELECT owner_id, direction FROM xmpp_archive WHERE message_id = ? ORDER BY "
	    "direction",
	    "s", id);
	assert_int_equal(store_step(q), STORE_ROW);
	assert_string_equal(store_col_text(q, 0), BOB);
	assert_string_equal(store_col_text(q, 1), "in");
	assert_int_equal(store_step(q), STORE_ROW);
	assert_string_equal(store_col_text(q, 0), ALICE);
	assert_int_equal(store_step(q), STORE_DONE);
	store_stmt_done(q);
	struct offline_msg *msgs;
	size_t n;
	assert_int_equal(offline_load(&f->app, f->st, BOB, 10, &msgs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(msgs[0].stanza, STANZA);
	assert_int_equal(msgs[0].at_ms, 1000);
	offline_free(msgs, n);
	(void)store_exec(f->st, "PRAGMA wal_checkpoint(TRUNCATE)");
	assert_int_equal(xfixture_contains(f, "canary-archive-77"), 0);
}

/* Crypto-shredding the conversation key makes the stored copy unreadable:
 * offline_load reports it without content rather than failing. */
static void test_shredded_conversation(void **state)
{
	struct xfixture *f = *state;
	char id[IDS_UUID_LEN], subject[2 * IDS_UUID_LEN + 8], tenant[IDS_UUID_LEN];
	struct archive_msg m = {ALICE, TENANT_A, BOB, TENANT_B, STANZA, strlen(STANZA), true, 5};
	assert_int_equal(archive_store(&f->app, f->st, &m, id), 0);
	archive_conv_subject(ALICE, TENANT_A, BOB, TENANT_B, subject, tenant);
	assert_int_equal(keys_subject_destroy(f->app.keys, f->st, tenant, subject), 0);
	struct offline_msg *msgs;
	size_t n;
	assert_int_equal(offline_load(&f->app, f->st, BOB, 10, &msgs, &n), 0);
	assert_int_equal(n, 1);
	assert_null(msgs[0].stanza);
	offline_free(msgs, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conv_subject),
	    cmocka_unit_test_setup_teardown(test_store_and_offline, xfixture_setup,
	                                    xfixture_teardown),
	    cmocka_unit_test_setup_teardown(test_shredded_conversation, xfixture_setup,
	                                    xfixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
