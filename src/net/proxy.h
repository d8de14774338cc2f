/*
 * net/proxy: the client address of a request behind trusted reverse proxies
 * (setting http.trusted_proxies, P-SEC-8).
 *
 * A proxy in front of irisd makes every client arrive from the proxy's
 * address; rate limits and the login throttle would then treat all users
 * as one. The proxy says who the client was in X-Forwarded-For or in
 * Forwarded (RFC 7239), but anyone can send those headers, so they are
 * believed only when the direct peer is a trusted proxy. The list of hops
 * (all lines of the header, in order) is walked from the right: while the
 * hop we stand on is trusted, the element left of it names the previous
 * hop. The first untrusted hop is the client. A malformed or obfuscated
 * element ("unknown", "_hidden") stops the walk at the last good hop.
 */
#ifndef IRIS_NET_PROXY_H
#define IRIS_NET_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "net/http.h"

/* Most entries in http.trusted_proxies. */
#define NET_PROXIES_MAX 64

enum net_proxy_header { NET_PROXY_XFF = 0, NET_PROXY_FORWARDED };

struct net_proxies;

/* Parses a comma-separated list of addresses and CIDRs ("10.0.0.0/8,
 * ::1, 192.0.2.7"); header: which header the proxies write. An empty list
 * gives NULL (no proxy trusted) and 0. Returns -1 with a static message in
 * *error_r on a bad entry. Free with net_proxies_free. */
int net_proxies_parse(const char *list, enum net_proxy_header header, struct net_proxies **out,
                      const char **error_r);
/* Frees *p and sets it to NULL; NULL is fine. */
void net_proxies_free(struct net_proxies **p);
/* True when ip (text; IPv4-mapped IPv6 counts as IPv4) is in the list. */
bool net_proxies_trusts(const struct net_proxies *p, const char *ip);

/* Writes the client address of req, which arrived from peer, into out
 * (size bytes, at least 46): peer itself unless peer is trusted and the
 * configured header names an earlier hop (see above). */
void net_client_addr(const struct net_proxies *p, const char *peer, const struct http_request *req,
                     char *out, size_t size);

#endif
