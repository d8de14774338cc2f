/* Unit tests for the PEP and private XML storage (src/xmpp/pep_db.c,
 * migration 015): items sealed, replaced by id, trimmed to max_items,
 * retracted; node limits; private XML sealed; crypto-shredding. */
#include "test_xmpp_archive_fixture.h"
#include "xmpp/pep_internal.h"

#define ALICE "1a1a1a1a-1d2b-4c3d-8e4f-5a6b7c8d9e0f"
#define NODE "urn:xmpp:bookmarks:1"
#define ITEM1                                                                                      \
	"<item id='room@muc.example' "                                                             \
	"xmlns='http://jabber.org/protocol/pubsub'>canary-pep-41</item>"
#define ITEM2 "<item id='other@muc.example' xmlns='http://jabber.org/protocol/pubsub'>two</item>"
#define ITEM1B                                                                                     \
	"<item id='room@muc.example' "                                                             \
	"xmlns='http://jabber.org/protocol/pubsub'>canary-pep-42</item>"

static void checkpoint(struct xfixture *f)
{
	(void)store_exec(f->st, "PRAGMA wal_checkpoint(TRUNCATE)");
}

/* P-SEC-2 */
static void test_items_sealed_replaced_trimmed(void **state)
{
	struct xfixture *f = *state;
	char **items;
	size_t n;
	enum pep_access access;
	int max;
	assert_int_equal(pep_db_node(f->st, ALICE, NODE, &access, &max), 0);
	assert_int_equal(pep_db_node_put(f->st, ALICE, TENANT_A, NODE, PEP_ACCESS_WHITELIST, 2, 1),
	                 0);
	assert_int_equal(pep_db_node(f->st, ALICE, NODE, &access, &max), 1);
	assert_int_equal(access, PEP_ACCESS_WHITELIST);
	assert_int_equal(max, 2);
	assert_int_equal(pep_db_item_put(&f->app, f->st, ALICE, TENANT_A, NODE, "room@muc.example",
	                                 ITEM1, strlen(ITEM1), 2, 10),
	                 0);
	assert_int_equal(pep_db_item_put(&f->app, f->st, ALICE, TENANT_A, NODE, "other@muc.example",
	                                 ITEM2, strlen(ITEM2), 2, 20),
	                 0);
	/* same id: replaced, now the newest */
	assert_int_equal(pep_db_item_put(&f->app, f->st, ALICE, TENANT_A, NODE, "room@muc.example",
	                                 ITEM1B, strlen(ITEM1B), 2, 30),
	                 0);
	assert_int_equal(pep_db_items(&f->app, f->st, ALICE, TENANT_A, NODE, NULL, 10, &items, &n),
	                 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0], ITEM1B);
	assert_string_equal(items[1], ITEM2);
	pep_db_free_items(items, n);
	/* by id */
	assert_int_equal(pep_db_items(&f->app, f->st, ALICE, TENANT_A, NODE, "other@muc.example",
	                              10, &items, &n),
	                 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0], ITEM2);
	pep_db_free_items(items, n);
	/* a third id trims the oldest (max 2) */
	assert_int_equal(pep_db_item_put(&f->app, f->st, ALICE, TENANT_A, NODE, "third", ITEM2,
	                                 strlen(ITEM2), 2, 40),
	                 0);
	assert_int_equal(pep_db_items(&f->app, f->st, ALICE, TENANT_A, NODE, "other@muc.example",
	                              10, &items, &n),
	                 0);
	assert_int_equal(n, 0);
	pep_db_free_items(items, n);
	/* retract */
	assert_int_equal(pep_db_item_delete(&f->app, f->st, ALICE, TENANT_A, NODE, "third"), 1);
	assert_int_equal(pep_db_item_delete(&f->app, f->st, ALICE, TENANT_A, NODE, "third"), 0);
	checkpoint(f);
	assert_int_equal(xfixture_contains(f, "canary-pep-42"), 0);
	assert_int_equal(xfixture_contains(f, "room@muc.example"), 0);
}

static void test_node_limit(void **state)
{
	struct xfixture *f = *state;
	char node[32];
	for (int i = 0; i < PEP_NODES_MAX; i++) {
		snprintf(node, sizeof(node), "urn:n:%d", i);
		assert_int_equal(
		    pep_db_node_put(f->st, ALICE, TENANT_A, node, PEP_ACCESS_PRESENCE, 1, 1), 0);
	}
	assert_int_equal(
	    pep_db_node_put(f->st, ALICE, TENANT_A, "one-more", PEP_ACCESS_PRESENCE, 1, 1), -2);
	/* reconfiguring an existing node is no new node */
	assert_int_equal(
	    pep_db_node_put(f->st, ALICE, TENANT_A, "urn:n:0", PEP_ACCESS_WHITELIST, 5, 1), 0);
}

/* P-SEC-2 */
static void test_private_sealed_and_shredded(void **state)
{
	struct xfixture *f = *state;
	const char *x = "<storage xmlns='storage:bookmarks'>canary-priv-43</storage>";
	char *out;
	size_t len;
	assert_int_equal(
	    pep_db_private_get(&f->app, f->st, ALICE, TENANT_A, "storage:bookmarks", &out, &len),
	    0);
	assert_null(out);
	assert_int_equal(pep_db_private_put(&f->app, f->st, ALICE, TENANT_A, "storage:bookmarks", x,
	                                    strlen(x), 5),
	                 0);
	assert_int_equal(
	    pep_db_private_get(&f->app, f->st, ALICE, TENANT_A, "storage:bookmarks", &out, &len),
	    0);
	assert_non_null(out);
	assert_string_equal(out, x);
	free(out);
	checkpoint(f);
	assert_int_equal(xfixture_contains(f, "canary-priv-43"), 0);
	/* erasure by crypto-shredding: nothing opens any more */
	assert_int_equal(keys_subject_destroy(f->app.keys, f->st, TENANT_A, ALICE), 0);
	assert_int_equal(
	    pep_db_private_get(&f->app, f->st, ALICE, TENANT_A, "storage:bookmarks", &out, &len),
	    0);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_items_sealed_replaced_trimmed, xfixture_setup,
	                                    xfixture_teardown),
	    cmocka_unit_test_setup_teardown(test_node_limit, xfixture_setup, xfixture_teardown),
	    cmocka_unit_test_setup_teardown(test_private_sealed_and_shredded, xfixture_setup,
	                                    xfixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
