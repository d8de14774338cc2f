/*
 * libFuzzer target: bytes from a WebSocket client into the RFC 6455 frame
 * decoder (net/ws), as an upgraded connection feeds them.
 *
 * Byte 0 picks the mode, byte 1 the message bound (max_message) and the
 * read size, so split frames are explored too.
 *   decode mode: the rest is raw client bytes, fed in pieces.
 *   round-trip mode: the rest is a list of text messages (a length byte,
 *     then that many bytes); each is framed as a client would (masked,
 *     split into continuation frames, with pings between the fragments)
 *     and decoded again.
 * Asserted: every message handed over is within its bound (text at most
 * max_message and NUL-terminated, control payloads at most 125 bytes);
 * a failure leaves a valid close code and the decoder stays dead; in
 * round-trip mode the messages come back byte for byte, in order. The
 * first bytes are also tried as a Sec-WebSocket-Key (ws_accept_key).
 */
#include "net/ws.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct expect {
	const uint8_t *msgs; /* round-trip mode: the list of messages sent */
	size_t len, pos;
	size_t max_message;
	unsigned calls;
	bool stop_every;
};

/* The length of the message at pos of a list (a length byte, then that
 * many bytes; the last one may be cut short by the end of the input). */
static size_t msg_len(const uint8_t *msgs, size_t len, size_t pos)
{
	size_t n = msgs[pos];
	return n > len - pos - 1 ? len - pos - 1 : n;
}

static bool on_message(void *ctx, enum ws_opcode op, const unsigned char *p, size_t len)
{
	struct expect *e = ctx;
	e->calls++;
	if (op == WS_TEXT) {
		if (len > e->max_message || p[len] != '\0')
			abort();
		if (e->msgs != NULL) {
			if (e->pos >= e->len)
				abort();
			size_t n = msg_len(e->msgs, e->len, e->pos);
			if (n != len || memcmp(e->msgs + e->pos + 1, p, n) != 0)
				abort();
			e->pos += 1 + n;
		}
	} else if (op == WS_PING || op == WS_PONG || op == WS_CLOSE) {
		if (len > 125)
			abort();
	} else {
		abort(); /* continuation and binary frames are never handed over */
	}
	return !e->stop_every || e->calls % 2 == 0;
}

/* Feeds bytes in pieces of chunk; returns ws_decode's last result. */
static int feed(struct ws_decoder *d, const uint8_t *p, size_t n, size_t chunk, struct expect *e)
{
	int rc = 0;
	while (n > 0 && rc == 0) {
		size_t take = n < chunk ? n : chunk;
		rc = ws_decode(d, p, take, on_message, e);
		p += take;
		n -= take;
	}
	/* a callback that asked to stop leaves bytes buffered: drain them */
	for (int i = 0; rc == 0 && i < 64 && d->len > 0; i++)
		rc = ws_decode(d, "", 0, on_message, e);
	return rc;
}

static void check_failure(struct ws_decoder *d, struct expect *e)
{
	uint16_t code = d->error_code;
	if (code != WS_CLOSE_PROTOCOL && code != WS_CLOSE_UNSUPPORTED && code != WS_CLOSE_TOO_BIG)
		abort();
	if (ws_decode(d, "\x81\x80\0\0\0\0", 6, on_message, e) != -1)
		abort(); /* dead after a failure */
}

/* Appends one masked client frame. */
static size_t put_frame(uint8_t *out, bool fin, enum ws_opcode op, const uint8_t *p, size_t n,
                        const uint8_t mask[4])
{
	size_t h = ws_frame_header(out, op, n);
	if (!fin)
		out[0] &= 0x7f;
	out[1] |= 0x80;
	memcpy(out + h, mask, 4);
	for (size_t i = 0; i < n; i++)
		out[h + 4 + i] = p[i] ^ mask[i & 3];
	return h + 4 + n;
}

static void round_trip(const uint8_t *msgs, size_t len, size_t max_message, size_t chunk,
                       size_t frag)
{
	struct ws_decoder d;
	struct expect e = {.msgs = msgs, .len = len, .max_message = max_message};
	uint8_t *wire = malloc(len * 32 + 64), *w = wire;
	const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
	for (size_t pos = 0; pos < len;) {
		size_t n = msg_len(msgs, len, pos);
		const uint8_t *m = msgs + pos + 1;
		size_t off = 0;
		do { /* fragments of at most frag bytes, a ping between them */
			size_t take = n - off < frag ? n - off : frag;
			bool fin = off + take == n;
			w += put_frame(w, fin, off == 0 ? WS_TEXT : WS_CONT, m + off, take, mask);
			off += take;
			if (!fin)
				w += put_frame(w, true, WS_PING, m, n < 3 ? n : 3, mask);
		} while (off < n);
		pos += 1 + n;
	}
	ws_decoder_init(&d, max_message);
	/* messages over the bound must fail with 1009; all others come back */
	bool too_big = false;
	for (size_t pos = 0; pos < len && !too_big; pos += 1 + msg_len(msgs, len, pos))
		too_big = msg_len(msgs, len, pos) > max_message;
	int rc = feed(&d, wire, (size_t)(w - wire), chunk, &e);
	if (too_big ? rc != -1 || d.error_code != WS_CLOSE_TOO_BIG : rc != 0 || e.pos != len)
		abort();
	ws_decoder_free(&d);
	free(wire);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t mode = data[0];
	size_t max_message = (size_t)(data[1] & 0x0f) * 16 + 1;
	size_t chunk = (size_t)(data[1] >> 4) * 3 + 1;
	data += 2;
	size -= 2;

	char key[25] = {0};
	memcpy(key, data, size < 24 ? size : 24);
	char accept[29];
	if (ws_accept_key(key, accept) == 0 && strlen(accept) != 28)
		abort();

	if (mode & 1) {
		round_trip(data, size, max_message * 8, chunk, (size_t)(mode >> 1) % 40 + 1);
		return 0;
	}
	struct ws_decoder d;
	struct expect e = {.max_message = max_message, .stop_every = (mode & 2) != 0};
	ws_decoder_init(&d, max_message);
	if (feed(&d, data, size, chunk, &e) < 0)
		check_failure(&d, &e);
	ws_decoder_free(&d);
	return 0;
}
