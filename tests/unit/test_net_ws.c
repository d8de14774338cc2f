/* Unit tests for net/ws: the RFC 6455 accept key and the bounded server-side
 * frame decoder (masking required, control frames, fragments, limits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct got {
	int n;
	enum ws_opcode op[8];
	char data[8][64];
};

static bool record(void *ctx, enum ws_opcode op, const unsigned char *data, size_t len)
{
	struct got *g = ctx;
	if (g->n < 8) {
		g->op[g->n] = op;
		snprintf(g->data[g->n], sizeof(g->data[0]), "%.*s", (int)len, (const char *)data);
		g->n++;
	}
	return true;
}

/* A masked client frame. */
static size_t frame(unsigned char *out, int b0, const char *payload, bool mask)
{
	size_t n = strlen(payload), i = 0;
	static const unsigned char m[4] = {0x12, 0x34, 0x56, 0x78};
	out[i++] = (unsigned char)b0;
	out[i++] = (unsigned char)((mask ? 0x80 : 0) | n);
	if (mask) {
		memcpy(out + i, m, 4);
		i += 4;
	}
	for (size_t k = 0; k < n; k++)
		out[i++] = (unsigned char)payload[k] ^ (mask ? m[k & 3] : 0);
	return i;
}

static void test_accept_key(void **state)
{
	(void)state;
	char out[29];
	/* RFC 6455 §1.3 */
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(ws_accept_key("short", out), -1);
	assert_int_equal(ws_accept_key(NULL, out), -1);
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=!", out), -1);
}

static void test_text_ping_close_split_input(void **state)
{
	(void)state;
	struct ws_decoder d;
	struct got g = {0};
	unsigned char buf[256];
	size_t n = frame(buf, 0x81, "<open/>", true);
	n += frame(buf + n, 0x89, "hi", true);
	n += frame(buf + n, 0x88, "\x03\xe8", true);
	ws_decoder_init(&d, 100);
	for (size_t i = 0; i < n; i++) /* one byte at a time */
		assert_int_equal(ws_decode(&d, buf + i, 1, record, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.op[0], WS_TEXT);
	assert_string_equal(g.data[0], "<open/>");
	assert_int_equal(g.op[1], WS_PING);
	assert_string_equal(g.data[1], "hi");
	assert_int_equal(g.op[2], WS_CLOSE);
	ws_decoder_free(&d);
}

static void test_fragments_with_control_between(void **state)
{
	(void)state;
	struct ws_decoder d;
	struct got g = {0};
	unsigned char buf[256];
	size_t n = frame(buf, 0x01, "<mess", true); /* text, no FIN */
	n += frame(buf + n, 0x89, "p", true);       /* ping inside the message */
	n += frame(buf + n, 0x80, "age/>", true);   /* continuation, FIN */
	ws_decoder_init(&d, 100);
	assert_int_equal(ws_decode(&d, buf, n, record, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.op[0], WS_PING);
	assert_int_equal(g.op[1], WS_TEXT);
	assert_string_equal(g.data[1], "<message/>");
	ws_decoder_free(&d);
}

static void expect_error(const unsigned char *buf, size_t n, size_t max, uint16_t code)
{
	struct ws_decoder d;
	struct got g = {0};
	ws_decoder_init(&d, max);
	assert_int_equal(ws_decode(&d, buf, n, record, &g), -1);
	assert_int_equal(d.error_code, code);
	assert_int_equal(g.n, 0);
	/* dead afterwards */
	assert_int_equal(ws_decode(&d, buf, n, record, &g), -1);
	ws_decoder_free(&d);
}

/* P-SEC-3: a WebSocket peer that breaks RFC 6455 is refused */
static void test_refusals(void **state)
{
	(void)state;
	unsigned char buf[256];
	size_t n;
	n = frame(buf, 0x81, "x", false); /* unmasked */
	expect_error(buf, n, 100, WS_CLOSE_PROTOCOL);
	n = frame(buf, 0x82, "x", true); /* binary */
	expect_error(buf, n, 100, WS_CLOSE_UNSUPPORTED);
	n = frame(buf, 0xC1, "x", true); /* RSV1 */
	expect_error(buf, n, 100, WS_CLOSE_PROTOCOL);
	n = frame(buf, 0x80, "x", true); /* continuation outside a message */
	expect_error(buf, n, 100, WS_CLOSE_PROTOCOL);
	n = frame(buf, 0x09, "x", true); /* fragmented ping */
	expect_error(buf, n, 100, WS_CLOSE_PROTOCOL);
	n = frame(buf, 0x83, "x", true); /* reserved opcode */
	expect_error(buf, n, 100, WS_CLOSE_PROTOCOL);
	n = frame(buf, 0x81, "0123456789a", true); /* 11 > 10 */
	expect_error(buf, n, 10, WS_CLOSE_TOO_BIG);
	n = frame(buf, 0x01, "012345", true); /* fragments adding up beyond */
	n += frame(buf + n, 0x80, "6789a", true);
	expect_error(buf, n, 10, WS_CLOSE_TOO_BIG);
	/* a 64-bit length is refused from the header alone */
	unsigned char big[10] = {0x81, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0};
	expect_error(big, sizeof(big), 1000, WS_CLOSE_TOO_BIG);
}

static void test_frame_header(void **state)
{
	(void)state;
	unsigned char h[10];
	assert_int_equal(ws_frame_header(h, WS_TEXT, 5), 2);
	assert_int_equal(h[0], 0x81);
	assert_int_equal(h[1], 5);
	assert_int_equal(ws_frame_header(h, WS_TEXT, 300), 4);
	assert_int_equal(h[1], 126);
	assert_int_equal(h[2] * 256 + h[3], 300);
	assert_int_equal(ws_frame_header(h, WS_CLOSE, 70000), 10);
	assert_int_equal(h[0], 0x88);
	assert_int_equal(h[1], 127);
	assert_int_equal(h[7], 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accept_key),
	    cmocka_unit_test(test_text_ping_close_split_input),
	    cmocka_unit_test(test_fragments_with_control_between),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_frame_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
