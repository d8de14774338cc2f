/*
 * net/ws: a small, bounded RFC 6455 (WebSocket) server-side framer, and
 * the opening-handshake key. Used by consumers of upgraded HTTP
 * connections (http_router_set_upgrade in net/http.h), e.g. XMPP over
 * WebSocket (RFC 7395).
 *
 * Decoding enforces what a server must: every client frame masked, no
 * reserved bits or unknown opcodes, control frames short and unfragmented,
 * continuation frames only inside a fragmented message, and a bound on a
 * reassembled message (max_message). Binary messages are refused (RFC 7395
 * uses text only). Encoding writes unmasked server frames.
 */
#ifndef IRIS_NET_WS_H
#define IRIS_NET_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode { WS_CONT = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9, WS_PONG = 10 };

/* Close codes (RFC 6455 §7.4.1). */
#define WS_CLOSE_NORMAL 1000
#define WS_CLOSE_PROTOCOL 1002
#define WS_CLOSE_UNSUPPORTED 1003
#define WS_CLOSE_TOO_BIG 1009

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (which must be the
 * base64 of 16 bytes). Returns -1 for an invalid key. */
int ws_accept_key(const char *client_key, char out[29]);

struct ws_decoder {
	size_t max_message; /* bound on one (reassembled) message */
	unsigned char *buf; /* raw bytes not yet decoded */
	size_t len, cap;
	unsigned char *msg; /* the text message being reassembled */
	size_t msg_len;
	bool in_message;
	uint16_t error_code; /* close code after a failure */
};

/* A complete message: WS_TEXT (data is NUL-terminated), WS_PING, WS_PONG
 * or WS_CLOSE (data = the close payload). Returns false to stop decoding. */
typedef bool ws_message_fn(void *ctx, enum ws_opcode op, const unsigned char *data, size_t len);

void ws_decoder_init(struct ws_decoder *d, size_t max_message);
void ws_decoder_free(struct ws_decoder *d);
/* Decodes len bytes; calls fn for each complete message. Returns 0, or -1
 * on a protocol violation (d->error_code says which close code to send;
 * the decoder is then dead). Returns 0 early when fn returned false. */
int ws_decode(struct ws_decoder *d, const void *data, size_t len, ws_message_fn *fn, void *ctx);

/* Writes the header of an unmasked server frame with FIN set into hdr
 * (at most 10 bytes); returns its length. */
size_t ws_frame_header(unsigned char hdr[10], enum ws_opcode op, size_t payload_len);

#endif
