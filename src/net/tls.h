/*
 * net/tls: TLS sessions over any byte stream, with OpenSSL memory BIOs.
 *
 * A struct tls_conn does no I/O of its own: the caller feeds it ciphertext
 * read from the peer, takes plaintext out, writes plaintext in, and sends
 * the ciphertext it produces. That keeps TLS independent of HTTP and of the
 * socket, so the HTTP server (direct TLS) and the XMPP layer (STARTTLS on a
 * stream that began in clear, or direct TLS on 5223) share one session code.
 *
 * Policy (P-SEC-3): TLS 1.2 and 1.3 only; TLS 1.2 restricted to ECDHE with
 * AES-GCM or ChaCha20-Poly1305; no compression, no renegotiation, no TLS 1.2
 * session tickets; the server's cipher preference wins.
 *
 * Everything here runs on one thread per object; a tls_ctx may be shared by
 * many connections and freed while they still live (OpenSSL refcounts it).
 */
#ifndef IRIS_NET_TLS_H
#define IRIS_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct tls_ctx;
struct tls_conn;

/* The TLS 1.2 cipher list; TLS 1.3 uses OpenSSL's default AEAD suites. */
#define TLS_CIPHERS_TLS12                                                                          \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"

/* Loads a PEM certificate chain and its private key into a new server
 * context with the policy above. Returns 0 and the context in *ctx_r (freed
 * with tls_ctx_free), or -1 with a static description in *error_r (a file
 * that does not load is named by its path). */
int tls_ctx_server_new(const char *cert_path, const char *key_path, struct tls_ctx **ctx_r,
                       const char **error_r);
/* Frees the context and sets *ctx to NULL; NULL is fine. Connections made
 * from it keep working. */
void tls_ctx_free(struct tls_ctx **ctx);

/* Creates the server side of one TLS session. The caller owns the result. */
struct tls_conn *tls_conn_server_new(struct tls_ctx *ctx);
/* Frees the session and sets *conn to NULL; NULL is fine. */
void tls_conn_free(struct tls_conn **conn);

/* Feeds len bytes of ciphertext received from the peer. The bytes are
 * buffered in memory: callers bound what they feed by reading plaintext out
 * (tls_conn_read) before feeding more. Returns 0, or -1 when the session
 * has failed (tls_conn_error says why). Drives the handshake. */
int tls_conn_feed(struct tls_conn *conn, const void *data, size_t len);

enum tls_read_result {
	TLS_READ_OK,     /* *n_r > 0 bytes of plaintext were read */
	TLS_READ_AGAIN,  /* nothing more until more ciphertext is fed */
	TLS_READ_CLOSED, /* the peer sent close_notify */
	TLS_READ_ERROR,  /* the session failed (tls_conn_error says why) */
};
/* Reads up to len bytes of decrypted plaintext into buf. Also advances the
 * handshake, which may produce ciphertext to send (tls_conn_take_out). */
enum tls_read_result tls_conn_read(struct tls_conn *conn, void *buf, size_t len, size_t *n_r);

/* Encrypts len bytes of plaintext for the peer. Before the handshake has
 * completed, the plaintext is kept and encrypted as soon as it completes.
 * Returns 0, or -1 when the session has failed. */
int tls_conn_write(struct tls_conn *conn, const void *data, size_t len);

/* Queues a close_notify alert for the peer (idempotent). */
void tls_conn_shutdown(struct tls_conn *conn);

/* Bytes of ciphertext waiting to be sent to the peer. */
size_t tls_conn_out_pending(const struct tls_conn *conn);
/* Moves up to len bytes of ciphertext for the peer into buf; returns the
 * number moved. Call until tls_conn_out_pending() is 0 after every feed,
 * read, write or shutdown. */
size_t tls_conn_take_out(struct tls_conn *conn, void *buf, size_t len);

/* True once the handshake has completed. */
bool tls_conn_handshake_done(const struct tls_conn *conn);
/* The negotiated protocol ("TLSv1.3") or "none" before the handshake. */
const char *tls_conn_version(const struct tls_conn *conn);
/* Channel-binding data of this session for SCRAM -PLUS, after the
 * handshake: "tls-exporter" (RFC 9266: 32 bytes of keying material with the
 * label EXPORTER-Channel-Binding; TLS 1.3 only, where it is always safe) or
 * "tls-server-end-point" (RFC 5929 §4.1: hash of our certificate with its
 * signature's hash, SHA-256 for MD5/SHA-1). Writes at most size bytes to
 * out; returns the length, or -1 when the type is unknown or unavailable. */
int tls_conn_channel_binding(struct tls_conn *conn, const char *type, unsigned char *out,
                             size_t size);

/* A static description of the last failure, or NULL. Never contains data
 * from the peer other than OpenSSL's reason text. */
const char *tls_conn_error(const struct tls_conn *conn);

/* Creates a self-signed ECDSA P-256 certificate for hostname, valid for
 * about one year, with subjectAltName DNS:hostname (an IP SAN instead when
 * hostname is an address literal; "localhost" also gets IP 127.0.0.1 and
 * ::1). The key file is written with mode 0600, both files atomically
 * (temporary file, then rename). Returns 0, or -1 with *error_r. */
int tls_selfsigned_create(const char *cert_path, const char *key_path, const char *hostname,
                          const char **error_r);

#endif
