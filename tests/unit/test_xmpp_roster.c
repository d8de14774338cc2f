/* Unit tests for the roster: the subscription state machine of RFC 6121
 * (Appendix A) and sealed roster rows. */
#include "test_xmpp_archive_fixture.h"
#include "xmpp/c2s_internal.h"

#define OWNER "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"

static struct roster_item item(enum roster_sub sub, bool ask, bool pending, bool approved)
{
	struct roster_item it = {0};
	it.jid = (char *)"c@localhost";
	it.sub = sub;
	it.ask_out = ask;
	it.pending_in = pending;
	it.approved = approved;
	it.in_roster = true;
	return it;
}

/* Outbound subscribe from none: Pending Out, delivered. */
static void test_outbound_subscribe(void **state)
{
	struct roster_item it = item(SUB_NONE, false, false, false);
	assert_true(roster_sub_outbound(&it, SUB_EV_SUBSCRIBE));
	assert_true(it.ask_out);
	assert_int_equal(it.sub, SUB_NONE);
	it = item(SUB_TO, false, false, false);
	assert_true(roster_sub_outbound(&it, SUB_EV_SUBSCRIBE));
	assert_false(it.ask_out);
}

/* Approving a pending request gives "from"; without a request it is a
 * pre-approval and nothing is sent. */
static void test_outbound_subscribed(void **state)
{
	struct roster_item it = item(SUB_TO, false, true, false);
	assert_true(roster_sub_outbound(&it, SUB_EV_SUBSCRIBED));
	assert_int_equal(it.sub, SUB_BOTH);
	assert_false(it.pending_in);
	it = item(SUB_NONE, false, false, false);
	assert_false(roster_sub_outbound(&it, SUB_EV_SUBSCRIBED));
	assert_true(it.approved);
	assert_int_equal(it.sub, SUB_NONE);
}

/* Inbound subscribe: pre-approved → auto "subscribed"; already "from" →
 * auto reply; otherwise Pending In and delivered. */
static void test_inbound_subscribe(void **state)
{
	bool deliver, reply;
	struct roster_item it = item(SUB_NONE, false, false, true);
	assert_true(roster_sub_inbound(&it, SUB_EV_SUBSCRIBE, &deliver, &reply));
	assert_true(reply);
	assert_false(deliver);
	assert_int_equal(it.sub, SUB_FROM);
	assert_false(it.approved);
	it = item(SUB_FROM, false, false, false);
	assert_false(roster_sub_inbound(&it, SUB_EV_SUBSCRIBE, &deliver, &reply));
	assert_true(reply);
	it = item(SUB_NONE, false, false, false);
	assert_true(roster_sub_inbound(&it, SUB_EV_SUBSCRIBE, &deliver, &reply));
	assert_true(deliver);
	assert_false(reply);
	assert_true(it.pending_in);
	/* RFC 6121 A.3.1: the same request again changes nothing and is not
	 * delivered again */
	assert_false(roster_sub_inbound(&it, SUB_EV_SUBSCRIBE, &deliver, &reply));
	assert_false(deliver);
	assert_false(reply);
	assert_true(it.pending_in);
}

/* Inbound subscribed only counts when we asked. */
static void test_inbound_subscribed(void **state)
{
	bool deliver, reply;
	struct roster_item it = item(SUB_FROM, true, false, false);
	assert_true(roster_sub_inbound(&it, SUB_EV_SUBSCRIBED, &deliver, &reply));
	assert_int_equal(it.sub, SUB_BOTH);
	assert_true(deliver);
	/* RFC 6121 §3.1.6: already "to" or "both": ignored */
	it = item(SUB_BOTH, false, false, false);
	assert_false(roster_sub_inbound(&it, SUB_EV_SUBSCRIBED, &deliver, &reply));
	assert_false(deliver);
	it = item(SUB_TO, false, false, false);
	assert_false(roster_sub_inbound(&it, SUB_EV_SUBSCRIBED, &deliver, &reply));
	assert_false(deliver);
	it = item(SUB_NONE, false, false, false);
	assert_false(roster_sub_inbound(&it, SUB_EV_SUBSCRIBED, &deliver, &reply));
	assert_int_equal(it.sub, SUB_NONE);
	assert_false(deliver);
}

/* Cancels in both directions. */
static void test_unsubscribe_unsubscribed(void **state)
{
	bool deliver, reply;
	struct roster_item it = item(SUB_BOTH, false, false, false);
	assert_true(roster_sub_outbound(&it, SUB_EV_UNSUBSCRIBE));
	assert_int_equal(it.sub, SUB_FROM);
	assert_true(roster_sub_outbound(&it, SUB_EV_UNSUBSCRIBED));
	assert_int_equal(it.sub, SUB_NONE);
	assert_false(roster_sub_outbound(&it, SUB_EV_UNSUBSCRIBED));
	it = item(SUB_BOTH, false, false, false);
	assert_true(roster_sub_inbound(&it, SUB_EV_UNSUBSCRIBE, &deliver, &reply));
	assert_int_equal(it.sub, SUB_TO);
	assert_true(roster_sub_inbound(&it, SUB_EV_UNSUBSCRIBED, &deliver, &reply));
	assert_int_equal(it.sub, SUB_NONE);
}

/* An empty item disappears from the in-memory roster. */
static void test_roster_put_removes_empty(void **state)
{
	struct roster r = {0};
	struct roster_item it = item(SUB_BOTH, false, false, false);
	roster_put(&r, &it);
	assert_int_equal(r.n, 1);
	it.sub = SUB_NONE;
	it.in_roster = false;
	roster_put(&r, &it);
	assert_int_equal(r.n, 0);
	roster_clear(&r);
}

/* P-SEC-2: names and groups are sealed at rest and come back intact. */
static void test_db_roundtrip_sealed(void **state)
{
	struct xfixture *f = *state;
	struct roster_item it = item(SUB_TO, true, false, false);
	it.name = (char *)"Secret Nickname 42";
	it.groups[0] = (char *)"Hidden Group 42";
	it.n_groups = 1;
	assert_int_equal(roster_db_put(&f->app, f->st, TENANT_A, OWNER, &it), 0);
	struct roster loaded;
	assert_int_equal(roster_db_load(&f->app, f->st, TENANT_A, OWNER, &loaded), 0);
	assert_int_equal(loaded.n, 1);
	assert_string_equal(loaded.items[0].name, "Secret Nickname 42");
	assert_int_equal(loaded.items[0].n_groups, 1);
	assert_string_equal(loaded.items[0].groups[0], "Hidden Group 42");
	assert_int_equal(loaded.items[0].sub, SUB_TO);
	assert_true(loaded.items[0].ask_out);
	roster_clear(&loaded);
	assert_int_equal(xfixture_contains(f, "Secret Nickname 42"), 0);
	assert_int_equal(xfixture_contains(f, "Hidden Group 42"), 0);
	/* an empty state deletes the row */
	it.sub = SUB_NONE;
	it.ask_out = it.in_roster = false;
	assert_int_equal(roster_db_put(&f->app, f->st, TENANT_A, OWNER, &it), 0);
	bool found = true;
	struct roster_item got;
	assert_int_equal(
	    roster_db_get(&f->app, f->st, TENANT_A, OWNER, "c@localhost", &got, &found), 0);
	assert_false(found);
	roster_item_clear(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outbound_subscribe),
	    cmocka_unit_test(test_outbound_subscribed),
	    cmocka_unit_test(test_inbound_subscribe),
	    cmocka_unit_test(test_inbound_subscribed),
	    cmocka_unit_test(test_unsubscribe_unsubscribed),
	    cmocka_unit_test(test_roster_put_removes_empty),
	    cmocka_unit_test_setup_teardown(test_db_roundtrip_sealed, xfixture_setup,
	                                    xfixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
