/* Per-user history deletion (src/domain/conversation_history.c): the partner keeps
 * their copy, the key goes when both deleted, the call-history hook runs
 * with the right pair, each deletion is audited and logged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/keys.h"
#include "store/store.h"
#include "test_accounts_fixture.h"
#include "xmpp/c2s_internal.h"
#include "domain/conversation_history.h"

static char hook_owner[IDS_UUID_LEN], hook_peer[IDS_UUID_LEN];
static int hook_calls;

static int64_t call_hook(struct store *st, const char *owner_id, const char *peer_id)
{
	(void)st;
	snprintf(hook_owner, sizeof(hook_owner), "%s", owner_id);
	snprintf(hook_peer, sizeof(hook_peer), "%s", peer_id);
	hook_calls++;
	return 2; /* two call records of that pair */
}

static void store_msg(struct afx *f, const struct account *from, const struct account *to,
                      const char *text)
{
	char id[IDS_UUID_LEN];
	struct archive_msg m = {from->id, from->tenant_id, to->id, to->tenant_id,
	                        text,     strlen(text),    false,  1000};
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(archive_store(&f->app, f->st, &m, id), 0);
	assert_int_equal(store_tx_commit(f->st), 0);
}

/* P-CHAT-2, P-CHAT-3 */
static void test_delete_both_sides(void **state)
{
	struct afx *f = *state;
	struct account a, b;
	struct conversation_history_result r;
	const char *error = NULL;
	char conv[2 * IDS_UUID_LEN + 8], tenant[IDS_UUID_LEN];
	afx_account(f, "", "alice", ROLE_USER, &a);
	afx_account(f, "", "bob", ROLE_USER, &b);
	store_msg(f, &a, &b, "<message><body>canary-one</body></message>");
	store_msg(f, &b, &a, "<message><body>canary-two</body></message>");
	archive_conv_subject(a.id, a.tenant_id, b.id, b.tenant_id, conv, tenant);
	assert_true(keys_subject_exists(f->app.keys, f->st, tenant, conv));
	conversation_history_set_call_hook(call_hook);

	/* P-CHAT-3: alice deletes: her views and her call history with bob go */
	assert_int_equal(
	    conversation_history_delete(&f->app, f->st, a.id, a.tenant_id, a.id, "user", "bob", &r, &error),
	    0);
	assert_int_equal(r.views, 2);
	assert_int_equal(r.messages, 0);
	assert_int_equal(r.calls, 2);
	assert_false(r.key_destroyed);
	assert_int_equal(hook_calls, 1);
	assert_string_equal(hook_owner, a.id);
	assert_string_equal(hook_peer, b.id);
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM xmpp_archive WHERE owner_id = ?", a.id),
	                 0);
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM xmpp_archive WHERE owner_id = ?", b.id),
	                 2);
	assert_true(keys_subject_exists(f->app.keys, f->st, tenant, conv));

	/* bob deletes: the messages and the conversation key are gone */
	assert_int_equal(conversation_history_delete(&f->app, f->st, b.id, b.tenant_id, b.id, "user",
	                                    "alice", &r, &error),
	                 0);
	assert_int_equal(r.views, 2);
	assert_int_equal(r.messages, 2);
	assert_true(r.key_destroyed);
	assert_int_equal(hook_calls, 2);
	assert_string_equal(hook_owner, b.id);
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM xmpp_messages WHERE conv_id = ?", conv),
	                 0);
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM subject_keys WHERE subject_id = ?", conv), 0);
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM deletion_log", NULL), 2);
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE action = "
	                           "'chat.history_delete'",
	                           NULL),
	                 2);
	/* unknown partner */
	assert_int_equal(conversation_history_delete(&f->app, f->st, b.id, b.tenant_id, b.id, "user",
	                                    "nobody", &r, &error),
	                 -1);
	assert_string_equal(error, "not_found");
	conversation_history_set_call_hook(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_delete_both_sides, afx_setup, afx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
