/*
 * domain/auth: logins, bearer tokens and the one authorisation decision
 * (P-SEC-1, P-SEC-4, P-SEC-5, P-SEC-6).
 *
 * Tokens are 32 random bytes (64 hex characters); only their SHA-256 is
 * stored. They expire (auth.token_ttl_s, or less when the client asks) and
 * can be revoked one by one (logout) or all at once (admin, password change).
 * An account that must change its password gets a token limited to that.
 *
 * Every login attempt is recorded in login_events with its time, result and
 * the remote address (keyed pseudonym for throttling; sealed in clear for
 * the account holder). Failures are throttled with growing delays per
 * (account, address) pair, with looser limits per address and per account
 * (see auth_throttle_check) → "throttled", the same for unknown users.
 */
#ifndef IRIS_DOMAIN_AUTH_H
#define IRIS_DOMAIN_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/account_events.h"
#include "domain/accounts.h"

struct app;
struct store;

enum token_scope { TOKEN_FULL = 0, TOKEN_PASSWORD_CHANGE };

/* The authenticated caller of a request. */
struct principal {
	struct account account;
	struct actor actor;
	char token_id[IDS_UUID_LEN];
	enum token_scope scope;
	int64_t expires_at;
	/* The XMPP session acting (its resource, XEP-0077), "" for REST: a
	 * password change ends every other session of the account. */
	char session[ACCOUNT_EVENTS_KEEP_MAX + 1];
};

struct login_result {
	char token[65];
	int64_t expires_at;
	enum token_scope scope;
	struct account account;
	int retry_after; /* seconds, when throttled */
};

/* Checks username/password from remote_addr. ttl_s 0 = the configured TTL;
 * a smaller value gives a shorter-lived token (time-limited access). Errors:
 * "unauthorized" (unknown user or wrong password: the same answer),
 * "throttled" (see retry_after), "confirmation_required", "account_disabled". */
int auth_login(struct app *app, struct store *st, const char *username, const char *password,
               const char *remote_addr, int ttl_s, struct login_result *out, const char **error_r);

/* auth_login with the client software (the HTTP User-Agent; cleaned and
 * bounded here) for the connection log (P-LOG-1): every attempt adds a
 * "login" or "login_failed" row with protocol "https", never content. */
int auth_login_client(struct app *app, struct store *st, const char *username, const char *password,
                      const char *remote_addr, const char *client, int ttl_s,
                      struct login_result *out, const char **error_r);

/* ---- shared with the XMPP logins: one rule, one table ---- */

/* The login throttle (P-SEC-5, P-SEC-8). Failures count per pair
 * (user key, address), per address and per user key, within
 * auth.login_window_s. A pair may fail auth.login_max_failures times; then
 * each further attempt waits auth.login_backoff_s, doubling per failure,
 * at most auth.login_backoff_max_s, after its latest failure. A success
 * clears its pair, and its pair's failures stop counting for the address
 * and the account. An address past auth.login_address_max_failures (high:
 * NATs, proxies) is delayed the same way for every account. An account
 * past auth.login_account_max_failures is never locked: each address keeps
 * one free attempt, then backs off. Throttled attempts do not count. */

/* The keyed pseudonym (65 bytes) of a client address for the throttle:
 * IPv6 grouped by /64 (rate_limit_address_key), then keys_blind_index
 * "login-address". */
int auth_address_hash(struct app *app, struct store *st, const char *remote_addr, char out[65]);
/* The keyed pseudonym (65 bytes) a login counts under: of account_id, or of
 * the username when no account has it (account_id NULL), so that unknown
 * usernames are throttled exactly like real ones. */
int auth_user_key(struct app *app, struct store *st, const char *account_id, const char *username,
                  char out[65]);
/* Seconds until another attempt of user_key from addr_hash may run; 0 when
 * allowed, -1 on error. The same for known and unknown users. */
int auth_throttle_check(struct app *app, struct store *st, const char *user_key,
                        const char *addr_hash);
/* Inserts one login event inside the caller's transaction. result: success,
 * bad_password, unknown_user, throttled, pending, disabled, restricted. acc
 * NULL for an unknown user (the address is then not kept in clear). */
int auth_record_event(struct app *app, struct store *st, const struct account *acc,
                      const char *user_key, const char *addr_hash, const char *remote_addr,
                      const char *result);
/* One connection-log row (P-LOG-1, kept apart from the audit log) inside the
 * caller's transaction: protocol "xmpp" or "https"; event login,
 * login_failed, client, logout; client cleaned by auth_client_clean (or
 * NULL). account_id NULL for an unknown user. */
int auth_connlog_write(struct store *st, const char *account_id, const char *tenant_id,
                       const char *protocol, const char *event, const char *addr_hash,
                       const char *client);
/* Copies in to out keeping printable ASCII only, at most size - 1 bytes. */
void auth_client_clean(char *out, size_t size, const char *in);

/* Resolves a bearer token. Errors: "unauthorized", "token_expired". */
int auth_authenticate(struct app *app, struct store *st, const char *token, struct principal *p,
                      const char **error_r);

/* Revokes the caller's token. */
int auth_logout(struct store *st, const struct principal *p);
/* Revokes every token of account_id (admin instruction, audited). */
int auth_revoke_all(struct app *app, struct store *st, const struct actor *actor,
                    const char *account_id, const char **error_r);

/* The holder changes their password: checks current, sets new, clears the
 * must-change flag, revokes every token and issues a fresh full one into
 * out (out NULL: none, for XMPP). current may be NULL only for an XMPP
 * session (p->session set, XEP-0077): its SASL login proved the password;
 * the new one must then differ from the stored one. The one path for REST
 * and XMPP: policy, SCRAM credentials, audit "account.password_change".
 * Errors: "unauthorized" (current wrong or missing), "weak_password". */
int auth_change_password(struct app *app, struct store *st, const struct principal *p,
                         const char *current, const char *new_password, struct login_result *out,
                         const char **error_r);

/* What a caller wants to do with a tenant's resources. */
enum authz_action {
	AZ_TENANTS_MANAGE, /* create and list tenants: operator */
	AZ_TENANT_READ,    /* the tenant record */
	AZ_MEMBERS_READ,   /* members, profiles, deletion queue, agreements */
	AZ_MEMBERS_CREATE, /* add a member */
	AZ_MEMBERS_WRITE,  /* change, delete, decide requests */
	AZ_TOKENS_REVOKE,  /* revoke a member's tokens */
};

/* The one authorisation decision for tenant-scoped resources: 0 allowed,
 * 403 when the caller may know the tenant but not do this, 404 when the
 * tenant is not the caller's (existence must not leak across tenants). */
int auth_authorize(const struct principal *p, enum authz_action action, const char *tenant_id);

/* Login history of an account, newest first (at most limit entries); the
 * address is opened for the holder. */
struct login_event {
	int64_t at;
	char result[16];
	char address[64];
};
int auth_login_events(struct app *app, struct store *st, const struct account *acc, int limit,
                      void (*fn)(const struct login_event *e, void *ctx), void *ctx);

#endif
