/* net/ws: RFC 6455 server-side framing (see ws.h). */
#include "net/ws.h"
#include "core/xalloc.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

int ws_accept_key(const char *key, char out[29])
{
	unsigned char raw[32];
	size_t klen = key != NULL ? strlen(key) : 0;
	if (klen != 24 || EVP_DecodeBlock(raw, (const unsigned char *)key, 24) != 18 ||
	    key[22] != '=' || key[23] != '=')
		return -1; /* 16 bytes: 22 base64 characters and "==" */
	for (size_t i = 0; i < 22; i++) {
		char c = key[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return -1;
	}
	unsigned char cat[24 + sizeof(WS_GUID)], md[SHA_DIGEST_LENGTH];
	memcpy(cat, key, 24);
	memcpy(cat + 24, WS_GUID, sizeof(WS_GUID) - 1);
	SHA1(cat, 24 + sizeof(WS_GUID) - 1, md);
	EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH); /* 28 + NUL */
	return 0;
}

void ws_decoder_init(struct ws_decoder *d, size_t max_message)
{
	memset(d, 0, sizeof(*d));
	d->max_message = max_message;
}

void ws_decoder_free(struct ws_decoder *d)
{
	if (d->buf != NULL)
		secret_free(d->buf, d->cap);
	if (d->msg != NULL)
		secret_free(d->msg, d->max_message + 1);
	memset(d, 0, sizeof(*d));
}

static int fail(struct ws_decoder *d, uint16_t code)
{
	d->error_code = code;
	return -1;
}

/* Decodes one frame at the start of d->buf. Returns its size, 0 when
 * incomplete, -1 on error; *stop_r when fn asked to stop. */
static long one_frame(struct ws_decoder *d, ws_message_fn *fn, void *ctx, bool *stop_r)
{
	const unsigned char *p = d->buf;
	size_t n = d->len;
	if (n < 2)
		return 0;
	bool fin = p[0] & 0x80;
	unsigned op = p[0] & 0x0f;
	if (p[0] & 0x70)
		return fail(d, WS_CLOSE_PROTOCOL); /* no extension negotiated */
	if (!(p[1] & 0x80))
		return fail(d, WS_CLOSE_PROTOCOL); /* client frames are masked */
	uint64_t plen = p[1] & 0x7f;
	size_t hl = 2;
	if (plen == 126) {
		if (n < 4)
			return 0;
		plen = ((uint64_t)p[2] << 8) | p[3];
		hl = 4;
	} else if (plen == 127) {
		if (n < 10)
			return 0;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = (plen << 8) | p[2 + i];
		hl = 10;
	}
	bool control = op >= 8;
	if (control && (op > WS_PONG || !fin || plen > 125))
		return fail(d, WS_CLOSE_PROTOCOL);
	if (!control && op > WS_BINARY)
		return fail(d, WS_CLOSE_PROTOCOL);
	if (op == WS_BINARY)
		return fail(d, WS_CLOSE_UNSUPPORTED);
	if (!control && plen > d->max_message)
		return fail(d, WS_CLOSE_TOO_BIG);
	if (n < hl + 4 + plen)
		return 0;
	const unsigned char *mask = p + hl;
	unsigned char *payload = (unsigned char *)p + hl + 4;
	for (uint64_t i = 0; i < plen; i++)
		payload[i] ^= mask[i & 3];
	size_t total = hl + 4 + (size_t)plen;
	if (control) {
		if (!fn(ctx, (enum ws_opcode)op, payload, (size_t)plen))
			*stop_r = true;
		return (long)total;
	}
	if (op == WS_TEXT && d->in_message)
		return fail(d, WS_CLOSE_PROTOCOL); /* a new message inside one */
	if (op == WS_CONT && !d->in_message)
		return fail(d, WS_CLOSE_PROTOCOL);
	if (d->msg == NULL)
		d->msg = xmalloc(d->max_message + 1);
	if (op == WS_TEXT)
		d->msg_len = 0;
	if (plen > d->max_message - d->msg_len)
		return fail(d, WS_CLOSE_TOO_BIG);
	memcpy(d->msg + d->msg_len, payload, (size_t)plen);
	d->msg_len += (size_t)plen;
	d->in_message = !fin;
	if (fin) {
		d->msg[d->msg_len] = '\0';
		if (!fn(ctx, WS_TEXT, d->msg, d->msg_len))
			*stop_r = true;
		d->msg_len = 0;
	}
	return (long)total;
}

int ws_decode(struct ws_decoder *d, const void *data, size_t len, ws_message_fn *fn, void *ctx)
{
	if (d->error_code != 0)
		return -1;
	/* Bounded: a frame is refused as soon as its header shows it too
	 * large, so the buffer holds at most one frame plus one read. */
	if (d->len + len > d->cap) {
		size_t ncap = d->cap ? d->cap : 4096;
		while (ncap < d->len + len)
			ncap *= 2;
		unsigned char *nb = xmalloc(ncap);
		if (d->len > 0)
			memcpy(nb, d->buf, d->len);
		if (d->buf != NULL)
			secret_free(d->buf, d->cap);
		d->buf = nb;
		d->cap = ncap;
	}
	memcpy(d->buf + d->len, data, len);
	d->len += len;
	for (;;) {
		bool stop = false;
		long used = one_frame(d, fn, ctx, &stop);
		if (used < 0)
			return -1;
		if (used == 0)
			break;
		memmove(d->buf, d->buf + used, d->len - (size_t)used);
		d->len -= (size_t)used;
		if (stop)
			return 0;
	}
	return 0;
}

size_t ws_frame_header(unsigned char hdr[10], enum ws_opcode op, size_t len)
{
	hdr[0] = (unsigned char)(0x80 | op);
	if (len < 126) {
		hdr[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (unsigned char)(len >> 8);
		hdr[3] = (unsigned char)len;
		return 4;
	}
	hdr[1] = 127;
	for (int i = 0; i < 8; i++)
		hdr[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}
