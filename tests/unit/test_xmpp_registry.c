/* Unit tests of the XMPP handler registry (src/xmpp/xmpp_registry.c):
 * lookup by namespace, element, iq type and addressee; a second handler
 * for the same iq refused; a feature advertised where it is not served
 * refused; disco features sorted, unique and only from the registry;
 * per-server module state made and freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "xmpp/xmpp_registry.h"

static void h_a(struct xmpp_iq *iq)
{
	(void)iq;
}

static void h_b(struct xmpp_iq *iq)
{
	(void)iq;
}

static const struct xmpp_handler one_handlers[] = {
    {"urn:x:time", "time", XMPP_IQ_GET, XMPP_TO_NONE | XMPP_TO_SERVER, XMPP_DISCO_SERVER, NULL,
     h_a},
    {"urn:x:block", "block", XMPP_IQ_SET, XMPP_TO_MINE, XMPP_DISCO_SERVER | XMPP_DISCO_ACCOUNT,
     NULL, h_a},
    {"urn:x:block", NULL, XMPP_IQ_GET | XMPP_IQ_SET, XMPP_TO_MINE, 0, NULL, h_b},
    /* feature only: served by message handling elsewhere */
    {NULL, NULL, 0, 0, XMPP_DISCO_SERVER, "urn:x:receipts", NULL},
    {0},
};
static const struct xmpp_module one = {"one", one_handlers, NULL, NULL};

static void test_find(void **state)
{
	(void)state;
	struct xmpp_registry *r = xmpp_registry_new();
	const struct xmpp_module *m = NULL;
	const char *err = NULL;
	assert_int_equal(xmpp_registry_add(r, &one, &err), 0);
	const struct xmpp_handler *h =
	    xmpp_registry_find(r, "urn:x:time", "time", XMPP_IQ_GET, XMPP_TO_SERVER, &m);
	assert_non_null(h);
	assert_ptr_equal(h->fn, h_a);
	assert_ptr_equal(m, &one);
	/* wrong type, addressee, element, namespace: nothing */
	assert_null(xmpp_registry_find(r, "urn:x:time", "time", XMPP_IQ_SET, XMPP_TO_SERVER, NULL));
	assert_null(xmpp_registry_find(r, "urn:x:time", "time", XMPP_IQ_GET, XMPP_TO_OTHER, NULL));
	assert_null(xmpp_registry_find(r, "urn:x:time", "query", XMPP_IQ_GET, XMPP_TO_NONE, NULL));
	assert_null(xmpp_registry_find(r, "urn:x:other", "time", XMPP_IQ_GET, XMPP_TO_NONE, NULL));
	assert_null(xmpp_registry_find(r, NULL, "time", XMPP_IQ_GET, XMPP_TO_NONE, NULL));
	/* exact element first, then the namespace's catch-all */
	h = xmpp_registry_find(r, "urn:x:block", "block", XMPP_IQ_SET, XMPP_TO_SELF, NULL);
	assert_ptr_equal(h->fn, h_a);
	h = xmpp_registry_find(r, "urn:x:block", "block", XMPP_IQ_GET, XMPP_TO_SELF, NULL);
	assert_ptr_equal(h->fn, h_b);
	h = xmpp_registry_find(r, "urn:x:block", "unblock", XMPP_IQ_SET, XMPP_TO_NONE, NULL);
	assert_ptr_equal(h->fn, h_b);
	assert_null(xmpp_registry_find(r, "urn:x:block", "x", XMPP_IQ_SET, XMPP_TO_OTHER, NULL));
	xmpp_registry_free(&r);
	assert_null(r);
}

static const struct xmpp_handler dup_handlers[] = {
    {"urn:x:time", "time", XMPP_IQ_GET, XMPP_TO_SERVER, 0, NULL, h_b},
    {0},
};
static const struct xmpp_module dup = {"dup", dup_handlers, NULL, NULL};
/* same ns and element, but other types and addressees: no conflict */
static const struct xmpp_handler apart_handlers[] = {
    {"urn:x:time", "time", XMPP_IQ_SET, XMPP_TO_SERVER, 0, NULL, h_b},
    {"urn:x:time", "time", XMPP_IQ_GET, XMPP_TO_OTHER, 0, NULL, h_b},
    {0},
};
static const struct xmpp_module apart = {"apart", apart_handlers, NULL, NULL};
static const struct xmpp_handler self_dup_handlers[] = {
    {"urn:x:a", NULL, XMPP_IQ_GET, XMPP_TO_SELF, 0, NULL, h_a},
    {"urn:x:a", NULL, XMPP_IQ_GET | XMPP_IQ_SET, XMPP_TO_MINE, 0, NULL, h_b},
    {0},
};
static const struct xmpp_module self_dup = {"self_dup", self_dup_handlers, NULL, NULL};

static void test_duplicates_refused(void **state)
{
	(void)state;
	struct xmpp_registry *r = xmpp_registry_new();
	const char *err = NULL;
	assert_int_equal(xmpp_registry_add(r, &one, &err), 0);
	assert_int_equal(xmpp_registry_add(r, &dup, &err), -1);
	assert_non_null(err);
	err = NULL;
	assert_int_equal(xmpp_registry_add(r, &one, &err), -1); /* the same module again */
	assert_non_null(err);
	assert_int_equal(xmpp_registry_add(r, &self_dup, &err), -1); /* inside one module */
	assert_int_equal(xmpp_registry_add(r, &apart, &err), 0);
	/* a refused module left nothing behind */
	const struct xmpp_handler *h =
	    xmpp_registry_find(r, "urn:x:time", "time", XMPP_IQ_GET, XMPP_TO_SERVER, NULL);
	assert_ptr_equal(h->fn, h_a);
	assert_null(xmpp_registry_find(r, "urn:x:a", "q", XMPP_IQ_GET, XMPP_TO_SELF, NULL));
	xmpp_registry_free(&r);
}

/* advertised on the server, served only on accounts */
static const struct xmpp_handler liar_handlers[] = {
    {"urn:x:mam", "query", XMPP_IQ_GET, XMPP_TO_SELF, XMPP_DISCO_SERVER, NULL, h_a},
    {0},
};
static const struct xmpp_module liar = {"liar", liar_handlers, NULL, NULL};
static const struct xmpp_handler liar2_handlers[] = {
    {"urn:x:ver", "query", XMPP_IQ_GET, XMPP_TO_SERVER, XMPP_DISCO_ACCOUNT, NULL, h_a},
    {0},
};
static const struct xmpp_module liar2 = {"liar2", liar2_handlers, NULL, NULL};
/* a feature-only entry must name its feature */
static const struct xmpp_handler empty_feature_handlers[] = {
    {"urn:x:f", NULL, 0, 0, XMPP_DISCO_SERVER, NULL, NULL},
    {0},
};
static const struct xmpp_module empty_feature = {"ef", empty_feature_handlers, NULL, NULL};

static void test_advertised_must_be_served(void **state)
{
	(void)state;
	struct xmpp_registry *r = xmpp_registry_new();
	const char *err = NULL;
	assert_int_equal(xmpp_registry_add(r, &liar, &err), -1);
	assert_int_equal(xmpp_registry_add(r, &liar2, &err), -1);
	assert_int_equal(xmpp_registry_add(r, &empty_feature, &err), -1);
	const char *list[8];
	assert_int_equal(xmpp_registry_features(r, XMPP_DISCO_SERVER, list, 8), 0);
	xmpp_registry_free(&r);
}

static void test_features(void **state)
{
	(void)state;
	struct xmpp_registry *r = xmpp_registry_new();
	const char *err = NULL, *list[8];
	assert_int_equal(xmpp_registry_add(r, &one, &err), 0);
	assert_int_equal(xmpp_registry_add(r, &apart, &err), 0);
	size_t n = xmpp_registry_features(r, XMPP_DISCO_SERVER, list, 8);
	assert_int_equal(n, 3); /* urn:x:block once, sorted */
	assert_string_equal(list[0], "urn:x:block");
	assert_string_equal(list[1], "urn:x:receipts");
	assert_string_equal(list[2], "urn:x:time");
	n = xmpp_registry_features(r, XMPP_DISCO_ACCOUNT, list, 8);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], "urn:x:block");
	assert_int_equal(xmpp_registry_features(r, XMPP_DISCO_SERVER, list, 2), 2);
	xmpp_registry_free(&r);
}

static int frees;
static int state_value = 42;
static void *st_init(struct xmpp_server *srv)
{
	(void)srv;
	return &state_value;
}
static void st_free(void *p)
{
	assert_ptr_equal(p, &state_value);
	frees++;
}
static const struct xmpp_module stateful = {"stateful", apart_handlers + 2, st_init, st_free};

static void test_state(void **state)
{
	(void)state;
	struct xmpp_registry *r = xmpp_registry_new();
	const char *err = NULL;
	assert_int_equal(xmpp_registry_add(r, &one, &err), 0);
	assert_int_equal(xmpp_registry_add(r, &stateful, &err), 0);
	assert_null(xmpp_registry_state(r, &stateful));
	xmpp_registry_init_states(r, NULL);
	assert_ptr_equal(xmpp_registry_state(r, &stateful), &state_value);
	assert_null(xmpp_registry_state(r, &one));
	assert_null(xmpp_registry_state(r, &dup));
	xmpp_registry_free(&r);
	assert_int_equal(frees, 1);
	xmpp_registry_free(&r); /* NULL: nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_duplicates_refused),
	    cmocka_unit_test(test_advertised_must_be_served),
	    cmocka_unit_test(test_features),
	    cmocka_unit_test(test_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
