/*
 * Unit tests for net/proxy: the client address behind trusted reverse
 * proxies (X-Forwarded-For, Forwarded), walked from the right; headers from
 * untrusted peers ignored; list parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "net/proxy.h"

/* The client address of a request from peer carrying up to two lines of
 * header name (NULL: absent). */
static const char *client(const struct net_proxies *p, const char *peer, const char *name,
                          const char *line1, const char *line2)
{
	static char out[64];
	struct http_header h[2];
	struct http_request req;
	memset(&req, 0, sizeof(req));
	h[0] = (struct http_header){(char *)name, (char *)line1};
	h[1] = (struct http_header){(char *)name, (char *)line2};
	req.headers = h;
	req.n_headers = line1 == NULL ? 0 : line2 == NULL ? 1 : 2;
	net_client_addr(p, peer, &req, out, sizeof(out));
	return out;
}

static struct net_proxies *parse(const char *list, enum net_proxy_header header)
{
	struct net_proxies *p = NULL;
	const char *error = NULL;
	assert_int_equal(net_proxies_parse(list, header, &p, &error), 0);
	return p;
}

/* P-SEC-8 */
static void test_untrusted_peer_header_ignored(void **state)
{
	(void)state;
	struct net_proxies *p = parse("10.0.0.1", NET_PROXY_XFF);
	const char *xff = "X-Forwarded-For";
	assert_string_equal(client(p, "192.0.2.9", xff, "203.0.113.5", NULL), "192.0.2.9");
	assert_string_equal(client(NULL, "192.0.2.9", xff, "203.0.113.5", NULL), "192.0.2.9");
	/* no proxies configured at all: an empty list is NULL */
	struct net_proxies *none = parse("", NET_PROXY_XFF);
	assert_null(none);
	net_proxies_free(&p);
	assert_null(p);
}

/* P-SEC-8: walk from the right, skipping trusted hops; a forged left part
 * the client sent is never reached. */
static void test_xff_walk_from_right(void **state)
{
	(void)state;
	struct net_proxies *p = parse("10.0.0.0/8, 127.0.0.1", NET_PROXY_XFF);
	const char *xff = "X-Forwarded-For";
	assert_string_equal(client(p, "10.0.0.1", xff, "203.0.113.5", NULL), "203.0.113.5");
	assert_string_equal(client(p, "10.0.0.1", xff, "1.2.3.4, 203.0.113.5, 10.1.1.1", NULL),
	                    "203.0.113.5");
	/* the client's own header plus a line the proxy added */
	assert_string_equal(client(p, "127.0.0.1", xff, "1.2.3.4", "198.51.100.7"), "198.51.100.7");
	/* ports and brackets, IPv6 canonical form */
	assert_string_equal(client(p, "10.0.0.1", xff, "203.0.113.5:4711", NULL), "203.0.113.5");
	assert_string_equal(client(p, "10.0.0.1", xff, "[2001:DB8::1]:80", NULL), "2001:db8::1");
	assert_string_equal(client(p, "10.0.0.1", xff, "2001:db8::2", NULL), "2001:db8::2");
	/* garbage stops the walk at the last good hop */
	assert_string_equal(client(p, "10.0.0.1", xff, "203.0.113.5, garbage", NULL), "10.0.0.1");
	assert_string_equal(client(p, "10.0.0.1", xff, "", NULL), "10.0.0.1");
	assert_string_equal(client(p, "10.0.0.1", xff, "garbage, 10.2.2.2", NULL), "10.2.2.2");
	/* no header: the peer */
	assert_string_equal(client(p, "10.0.0.1", xff, NULL, NULL), "10.0.0.1");
	/* IPv4-mapped peer of a dual-stack listener is trusted as IPv4 */
	assert_string_equal(client(p, "::ffff:10.0.0.1", xff, "203.0.113.5", NULL), "203.0.113.5");
	/* the other header is not the configured one: ignored */
	assert_string_equal(client(p, "10.0.0.1", "Forwarded", "for=203.0.113.5", NULL),
	                    "10.0.0.1");
	net_proxies_free(&p);
}

/* P-SEC-8: RFC 7239 Forwarded: for= nodes, quoted, IPv6 in brackets,
 * obfuscated identifiers stop the walk. */
static void test_forwarded(void **state)
{
	(void)state;
	struct net_proxies *p = parse("10.0.0.0/8,2001:db8:ffff::/48", NET_PROXY_FORWARDED);
	const char *fwd = "Forwarded";
	assert_string_equal(
	    client(p, "10.0.0.1", fwd, "for=192.0.2.60;proto=https;by=10.0.0.1", NULL),
	    "192.0.2.60");
	assert_string_equal(
	    client(p, "10.0.0.1", fwd, "for=1.2.3.4, For=\"[2001:db8:cafe::17]:4711\"", NULL),
	    "2001:db8:cafe::17");
	assert_string_equal(
	    client(p, "2001:db8:ffff::1", fwd, "for=198.51.100.1, for=\"10.9.9.9:80\"", NULL),
	    "198.51.100.1");
	assert_string_equal(client(p, "10.0.0.1", fwd, "for=unknown", NULL), "10.0.0.1");
	assert_string_equal(client(p, "10.0.0.1", fwd, "for=_hidden, for=10.3.3.3", NULL),
	                    "10.3.3.3");
	assert_string_equal(client(p, "10.0.0.1", fwd, "proto=https", NULL), "10.0.0.1");
	assert_string_equal(client(p, "10.0.0.1", "X-Forwarded-For", "192.0.2.1", NULL),
	                    "10.0.0.1");
	net_proxies_free(&p);
}

static void test_list_parsing(void **state)
{
	(void)state;
	struct net_proxies *p = NULL;
	const char *error = NULL;
	static const char *const bad[] = {
	    "10.0.0.0/33", "proxy.example", "10.0.0.1,,10.0.0.2", "::1/129",
	    "10.0.0.0/",   "10.0.0.0/8x",   "::ffff:10.0.0.0/104"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(net_proxies_parse(bad[i], NET_PROXY_XFF, &p, &error), -1);
		assert_null(p);
		assert_non_null(error);
	}
	p = parse(" 192.0.2.0/25 , ::1 ", NET_PROXY_XFF);
	assert_true(net_proxies_trusts(p, "192.0.2.127"));
	assert_false(net_proxies_trusts(p, "192.0.2.128"));
	assert_true(net_proxies_trusts(p, "::1"));
	assert_false(net_proxies_trusts(p, "::2"));
	assert_false(net_proxies_trusts(p, "not an address"));
	net_proxies_free(&p);
	p = parse("0.0.0.0/0", NET_PROXY_XFF);
	assert_true(net_proxies_trusts(p, "203.0.113.1"));
	assert_false(net_proxies_trusts(p, "2001:db8::1"));
	net_proxies_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_untrusted_peer_header_ignored),
	    cmocka_unit_test(test_xff_walk_from_right),
	    cmocka_unit_test(test_forwarded),
	    cmocka_unit_test(test_list_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
