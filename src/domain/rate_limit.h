/*
 * domain/rate_limit: request rate limits and flood detection (P-SEC-8).
 *
 * Token buckets in memory, one table per kind, shared by every worker
 * thread behind a mutex: per remote address (IPv6 grouped by /64), per
 * authenticated account, and per account for directory searches (P-DIR-1,
 * which must not be usable to enumerate the network). A bucket holds up to
 * `burst` tokens and refills at `per_s` tokens a second; a request takes
 * one. Tables are bounded (RATE_LIMIT_SLOTS per kind): when full, the
 * stalest bucket in the probe window is reused, so memory never grows with
 * the number of attackers' addresses.
 *
 * The limits are the ratelimit.* settings (core/config.h), generous for
 * people and tight for scripts, applied at start and on SIGHUP by
 * rate_limit_apply_config(). A burst of 0 switches that kind off. The
 * address is the client address the HTTP layer resolved: behind a trusted
 * reverse proxy (http.trusted_proxies) the forwarded client, not the proxy.
 *
 * Credential stuffing: rate_limit_login_failure() counts the distinct
 * usernames that failed from one address within ratelimit.stuffing_window_s;
 * at ratelimit.stuffing_usernames it logs one security event per window
 * (address pseudonymised) and counts security_events_total
 * {kind="credential_stuffing"} in /metrics.
 */
#ifndef IRIS_DOMAIN_RATE_LIMIT_H
#define IRIS_DOMAIN_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct config;

enum rate_limit_kind { RL_ADDRESS = 0, RL_ACCOUNT, RL_DIRECTORY, RL_KINDS };

#define RATE_LIMIT_SLOTS 8192
#define RATE_LIMIT_KEY_MAX 64

/* Sets the limits of one kind (burst 0: unlimited). Thread-safe. */
void rate_limit_configure(enum rate_limit_kind kind, double burst, double per_s);
/* Sets every kind from the ratelimit.* settings (start-up and SIGHUP). */
void rate_limit_apply_config(const struct config *cfg);

/* Takes one token of key's bucket. Returns 0 when allowed, else the
 * seconds (>= 1) after which a token is back (the Retry-After). Counts
 * rate_limited_total{scope=...} when refused. */
int rate_limit_take(enum rate_limit_kind kind, const char *key);

/* Records a failed login of username from addr; returns true when this
 * failure made addr cross the credential-stuffing threshold (the event is
 * logged and counted here). */
bool rate_limit_login_failure(const char *addr, const char *username);

/* The key of a client address: IPv6 grouped by /64 (one host gets a whole
 * /64, and an attacker must not win a fresh limit per address in it);
 * other text as is, truncated. The login throttle keys addresses alike. */
void rate_limit_address_key(const char *addr, char out[RATE_LIMIT_KEY_MAX]);

/* Forgets every bucket and detector (tests). */
void rate_limit_reset(void);

#endif
