/*
 * xmpp/xmpp_server: the XMPP client listeners of irisd (RFC 6120, 6121).
 *
 *   port xmpp.c2s_port      STARTTLS, mandatory before SASL (P-SEC-3)
 *   port xmpp.c2s_tls_port  direct TLS (XEP-0368)
 *
 * SASL SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN (PLAIN only under TLS) against
 * the same credentials as the REST API, with the same login throttling and
 * login_events; resource binding; roster with subscriptions and
 * pre-approval; presence with the visibility rules of P-PRE-2; message
 * routing with every 1:1 message body sealed in the archive and offline
 * storage (XEP-0160), group-committed before it is routed.
 *
 * One libuv loop thread owns sockets, sessions and routing; storage and
 * password hashing run on the worker pool. See docs/xmpp.md.
 */
#ifndef IRIS_XMPP_XMPP_SERVER_H
#define IRIS_XMPP_XMPP_SERVER_H

#include <stdbool.h>
#include <uv.h>

struct app;
struct config;
struct xmpp_server;

/* Binds the listeners the settings ask for (a port of -1 is off) with the
 * certificate and key at cert_path/key_path, and starts serving on loop.
 * app and cfg must outlive the server. Returns 0 and *srv_r (NULL when
 * both ports are off), or -1 with a static message in *error_r. */
int xmpp_server_start(uv_loop_t *loop, struct app *app, const struct config *cfg,
                      const char *cert_path, const char *key_path, struct xmpp_server **srv_r,
                      const char **error_r);

/* The port actually bound (useful with port 0), or -1 when off. */
int xmpp_server_port(const struct xmpp_server *srv, bool direct_tls);

struct http_router;
/* XMPP over WebSocket (RFC 7395) at /xmpp-websocket (subprotocol "xmpp") on
 * the HTTPS listener of router, and XEP-0156 discovery: GET
 * /.well-known/host-meta (XRD) and /.well-known/host-meta.json listing the
 * wss:// URL under the public URL. NULL srv (XMPP off): nothing. */
void xmpp_server_http_routes(struct xmpp_server *srv, struct http_router *router);

/* Graceful stop: closes the listeners, ends every stream with
 * <system-shutdown/>, waits for the storage jobs in flight (nothing
 * accepted is dropped), then calls done(arg) on the loop. NULL srv calls
 * done at once. */
void xmpp_server_drain(struct xmpp_server *srv, void (*done)(void *arg), void *arg);

/* Frees a drained server (after uv_run returned); sets *srv to NULL. */
void xmpp_server_free(struct xmpp_server **srv);

#endif
