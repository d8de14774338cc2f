/*
 * domain/auth: password logins, login events and throttling (see auth.h).
 * The throttle is checked before the password (PBKDF2 is the expensive
 * part, and a throttled pair must not be probed); a refused attempt is
 * recorded as "throttled" and does not prolong the delay.
 */
#include "domain/auth.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "crypto/scram.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/auth_internal.h"
#include "domain/rate_limit.h"
#include "privacy/restriction.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int auth_address_hash(struct app *app, struct store *st, const char *remote_addr, char out[65])
{
	char grouped[RATE_LIMIT_KEY_MAX];
	rate_limit_address_key(remote_addr != NULL ? remote_addr : "", grouped);
	return keys_blind_index(app->keys, st, "", "login-address", grouped, out);
}

int auth_user_key(struct app *app, struct store *st, const char *account_id, const char *username,
                  char out[65])
{
	char *value = account_id != NULL ? xasprintf("a:%s", account_id)
	                                 : xasprintf("u:%s", username != NULL ? username : "");
	int rc = keys_blind_index(app->keys, st, "", "login-user", value, out);
	free(value);
	return rc;
}

/* Failures counted by sql (bound: key1, key2 or only key1, since): how
 * many, and the time of the latest. -1 on error. */
static int failures(struct store *st, const char *sql, const char *key1, const char *key2,
                    int64_t since, int64_t *latest_r)
{
	struct store_stmt *q = key2 != NULL ? store_query(st, sql, "ssi", key1, key2, since)
	                                    : store_query(st, sql, "si", key1, since);
	int n = -1;
	*latest_r = 0;
	if (q != NULL && store_step(q) == STORE_ROW) {
		n = (int)store_col_int(q, 0);
		*latest_r = store_col_is_null(q, 1) ? 0 : store_col_int(q, 1);
	}
	store_stmt_done(q);
	return n;
}

/* The latest success of the pair, or 0. */
static int64_t pair_success(struct store *st, const char *user_key, const char *addr_hash)
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT MAX(at_ms) FROM login_events WHERE user_key = ? AND addr_hash = ? "
	                "AND result = 'success'",
	                "ss", user_key, addr_hash);
	int64_t at = 0;
	if (q != NULL && store_step(q) == STORE_ROW && !store_col_is_null(q, 0))
		at = store_col_int(q, 0);
	store_stmt_done(q);
	return at;
}

/* A failure stops counting against its address and account once its own
 * pair has logged in since: the user mistyped, then got it right. */
#define NOT_CLEARED                                                                                \
	" AND NOT EXISTS (SELECT 1 FROM login_events s WHERE s.user_key = f.user_key AND "         \
	"s.addr_hash = f.addr_hash AND s.result = 'success' AND s.at_ms > f.at_ms)"
#define FAILED " AND f.result IN ('bad_password', 'unknown_user')"

/* Milliseconds still to wait after n failures against a limit of free ones,
 * the latest at latest: backoff_s doubling per failure beyond, capped. */
static int64_t delay_left(const struct config *cfg, int n, int free_n, int64_t latest, int64_t now)
{
	if (n < free_n)
		return 0;
	int64_t delay = (int64_t)cfg->login_backoff_s * 1000,
	        cap = (int64_t)cfg->login_backoff_max_s * 1000;
	for (int k = n - free_n; k > 0 && delay < cap; k--)
		delay *= 2;
	if (delay > cap)
		delay = cap;
	return latest + delay - now;
}

/* Seconds until the caller may try again; 0 when not throttled, -1 on error.
 * Times are milliseconds, so a failure just after a success in the same
 * second still counts. */
int auth_throttle_check(struct app *app, struct store *st, const char *user_key,
                        const char *addr_hash)
{
	const struct config *cfg = app->cfg;
	int64_t now = acc_now_ms(), since = now - (int64_t)cfg->login_window_s * 1000;
	int64_t ok = pair_success(st, user_key, addr_hash), last_pair, last_addr, last_acct;
	int pair = failures(st,
	                    "SELECT COUNT(*), MAX(at_ms) FROM login_events f WHERE user_key = ? "
	                    "AND addr_hash = ? AND at_ms > ?" FAILED,
	                    user_key, addr_hash, ok > since ? ok : since, &last_pair);
	int addr = failures(st,
	                    "SELECT COUNT(*), MAX(at_ms) FROM login_events f WHERE addr_hash = ? "
	                    "AND at_ms > ?" FAILED NOT_CLEARED,
	                    addr_hash, NULL, since, &last_addr);
	int acct = failures(st,
	                    "SELECT COUNT(*), MAX(at_ms) FROM login_events f WHERE user_key = ? "
	                    "AND at_ms > ?" FAILED NOT_CLEARED,
	                    user_key, NULL, since, &last_acct);
	if (pair < 0 || addr < 0 || acct < 0)
		return -1;
	/* Past the account's cap, every address keeps one free attempt: the
	 * owner still gets in, a distributed guesser slows down. */
	int pair_free = acct >= cfg->login_account_max_failures ? 1 : cfg->login_max_failures;
	int64_t wait = delay_left(cfg, pair, pair_free, last_pair, now);
	int64_t wait_addr = delay_left(cfg, addr, cfg->login_address_max_failures, last_addr, now);
	if (wait_addr > wait)
		wait = wait_addr;
	return wait > 0 ? (int)((wait + 999) / 1000) : 0;
}

int auth_record_event(struct app *app, struct store *st, const struct account *acc,
                      const char *user_key, const char *addr_hash, const char *remote_addr,
                      const char *result)
{
	char id[IDS_UUID_LEN];
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	ids_uuid4(id);
	if (acc != NULL &&
	    acc_seal(app, st, acc->tenant_id, acc->id, "login_events", id, "addr_sealed",
	             remote_addr, strlen(remote_addr), &sealed, &sealed_len) < 0)
		return -1;
	int rc = store_run(st,
	                   "INSERT INTO login_events (id, account_id, tenant_id, at_ms, addr_hash, "
	                   "addr_sealed, result, user_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                   "sssisbss", id, acc ? acc->id : NULL, acc ? acc->tenant_id : "",
	                   acc_now_ms(), addr_hash, sealed, sealed_len, result, user_key);
	free(sealed);
	return rc == STORE_DONE ? 0 : -1;
}

void auth_client_clean(char *out, size_t size, const char *in)
{
	size_t n = 0;
	for (; in != NULL && *in && n + 1 < size; in++)
		if (*in >= 0x20 && *in < 0x7f)
			out[n++] = *in;
	if (size > 0)
		out[n] = '\0';
}

int auth_connlog_write(struct store *st, const char *account_id, const char *tenant_id,
                       const char *protocol, const char *event, const char *addr_hash,
                       const char *client)
{
	char id[IDS_UUID_LEN];
	ids_uuid4(id);
	return store_run(st,
	                 "INSERT INTO connection_log (id, account_id, tenant_id, at_ms, protocol, "
	                 "event, addr_hash, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                 "sssissss", id, account_id, tenant_id != NULL ? tenant_id : "",
	                 acc_now_ms(), protocol, event, addr_hash, client) == STORE_DONE
	           ? 0
	           : -1;
}

/* The HTTP client for the connection log: cleaned, bounded, "" when absent. */
struct login_ctx {
	const char *remote_addr;
	char client[200];
	char user_key[65];
};

/* Records one attempt in its own transaction (login event and connection
 * log), and logs it pseudonymised. */
static int record(struct app *app, struct store *st, const struct account *acc,
                  const char *addr_hash, const struct login_ctx *lc, const char *result)
{
	char pseudo[LOG_PSEUDONYM_LEN];
	const char *remote_addr = lc->remote_addr;
	if (store_tx_begin(st) < 0)
		return -1;
	if (auth_record_event(app, st, acc, lc->user_key, addr_hash, remote_addr, result) < 0 ||
	    auth_connlog_write(st, acc ? acc->id : NULL, acc ? acc->tenant_id : "", "https",
	                       "login_failed", addr_hash, lc->client[0] ? lc->client : NULL) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	log_info("event=login result=%s account=%s", result,
	         acc ? log_pseudonym(acc->id, pseudo) : "-");
	return 0;
}

/* Constant work for unknown users, so timing does not reveal who exists:
 * one PBKDF2 against a dummy credential, as for a real account. */
static void dummy_check(struct app *app, const char *password)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct scram_credentials dummy;
	static bool ready;
	const char *error = NULL;
	pthread_mutex_lock(&lock);
	if (!ready)
		ready = scram_credentials_make("iris-dummy-password", SCRAM_SHA256,
		                               (unsigned)app->cfg->scram_iterations, &dummy,
		                               &error) == 0;
	pthread_mutex_unlock(&lock);
	if (ready)
		(void)scram_password_matches(password, &dummy);
}

/* The account's SCRAM-SHA-256 credentials; false when it has none. */
static bool credentials_of(struct store *st, const char *account_id, struct scram_credentials *c)
{
	bool ok = false;
	struct store_stmt *q =
	    store_query(st, "SELECT scram_sha256 FROM accounts WHERE id = ?", "s", account_id);
	if (q != NULL && store_step(q) == STORE_ROW &&
	    scram_credentials_decode(store_col_text(q, 0), c) == 0)
		ok = true;
	store_stmt_done(q);
	return ok;
}

/* Checks password; the credentials it was checked against stay in *c. */
static bool password_ok(struct store *st, const struct account *acc, const char *password,
                        struct scram_credentials *c)
{
	return credentials_of(st, acc->id, c) && scram_password_matches(password, c);
}

/* Inside the transaction that issues the token: the account as judged
 * (outside it, since PBKDF2 must not hold the write lock) may have changed
 * since (a new password, disabled, restricted, erased). Then the login is
 * refused as if the change had come first. Returns the login result and
 * sets *error_r, or NULL when nothing changed (acc refreshed). */
static const char *recheck_tx(struct store *st, struct account *acc,
                              const struct scram_credentials *seen, const char **error_r)
{
	struct scram_credentials now;
	struct account fresh;
	const char *err = NULL;
	*error_r = "unauthorized";
	if (accounts_get(st, acc->id, &fresh, &err) < 0)
		return strcmp(err, "not_found") == 0 ? "unknown_user" : (*error_r = "internal", "");
	bool same = credentials_of(st, acc->id, &now) && now.hash == seen->hash &&
	            now.iterations == seen->iterations &&
	            memcmp(now.salt, seen->salt, sizeof(now.salt)) == 0 &&
	            memcmp(now.stored_key, seen->stored_key, sizeof(now.stored_key)) == 0 &&
	            memcmp(now.server_key, seen->server_key, sizeof(now.server_key)) == 0;
	secret_wipe(&now, sizeof(now));
	if (!same)
		return "bad_password";
	if (strcmp(fresh.status, "active") != 0)
		return *error_r = "account_disabled", "disabled";
	if (restriction_is_set(st, acc->id, NULL))
		return *error_r = "account_restricted", "restricted";
	*acc = fresh;
	*error_r = NULL;
	return NULL;
}

/* Decides the outcome once the throttle let the attempt through. */
static const char *judge(struct app *app, struct store *st, const struct account *acc,
                         const char *password, struct scram_credentials *seen, const char **error_r)
{
	if (acc == NULL) {
		dummy_check(app, password);
		*error_r = "unauthorized";
		return "unknown_user";
	}
	if (!password_ok(st, acc, password, seen)) {
		*error_r = "unauthorized";
		return "bad_password";
	}
	if (strcmp(acc->status, "pending") == 0) {
		*error_r = "confirmation_required";
		return "pending";
	}
	if (strcmp(acc->status, "active") != 0) {
		*error_r = "account_disabled";
		return "disabled";
	}
	/* Restriction of processing (P-DSR-4): data kept, service suspended. */
	if (restriction_is_set(st, acc->id, NULL)) {
		*error_r = "account_restricted";
		return "restricted";
	}
	*error_r = NULL;
	return "success";
}

int auth_login(struct app *app, struct store *st, const char *username, const char *password,
               const char *remote_addr, int ttl_s, struct login_result *out, const char **error_r)
{
	return auth_login_client(app, st, username, password, remote_addr, NULL, ttl_s, out,
	                         error_r);
}

int auth_login_client(struct app *app, struct store *st, const char *username, const char *password,
                      const char *remote_addr, const char *client, int ttl_s,
                      struct login_result *out, const char **error_r)
{
	struct login_ctx lc = {remote_addr, "", ""};
	auth_client_clean(lc.client, sizeof(lc.client), client);
	struct account acc;
	const char *err = NULL;
	char addr_hash[65];
	memset(out, 0, sizeof(*out));
	*error_r = "internal";
	if (auth_address_hash(app, st, remote_addr, addr_hash) < 0)
		return -1;
	bool known = username != NULL && accounts_get_by_username(st, username, &acc, &err) == 0;
	/* Unknown usernames are keyed and throttled like real ones: the answer
	 * never tells whether an account exists. */
	if (auth_user_key(app, st, known ? acc.id : NULL, username, lc.user_key) < 0)
		return -1;
	int wait = auth_throttle_check(app, st, lc.user_key, addr_hash);
	if (wait < 0)
		return -1;
	if (wait > 0) {
		out->retry_after = wait;
		record(app, st, known ? &acc : NULL, addr_hash, &lc, "throttled");
		rate_limit_login_failure(remote_addr, username); /* P-SEC-8: refused counts too */
		return *error_r = "throttled", -1;
	}
	struct scram_credentials seen;
	memset(&seen, 0, sizeof(seen));
	const char *result = judge(app, st, known ? &acc : NULL, password, &seen, error_r);
	if (*error_r == NULL) {
		if (store_tx_begin(st) < 0)
			return *error_r = "internal", -1;
		result = recheck_tx(st, &acc, &seen, error_r);
		if (result != NULL)
			store_tx_rollback(st); /* the refusal is recorded below */
		if (result != NULL && strcmp(result, "unknown_user") == 0)
			known = false; /* erased meanwhile */
	}
	secret_wipe(&seen, sizeof(seen));
	if (result != NULL && result[0] == '\0')
		return -1; /* a store error in the recheck */
	if (*error_r != NULL) {
		const char *code = *error_r;
		if (record(app, st, known ? &acc : NULL, addr_hash, &lc, result) < 0)
			return *error_r = "internal", -1;
		if (strcmp(result, "bad_password") == 0 || strcmp(result, "unknown_user") == 0)
			rate_limit_login_failure(remote_addr, username); /* P-SEC-8 */
		*error_r = code;
		return -1;
	}
	/* the transaction of recheck_tx is open */
	out->account = acc;
	out->scope = acc.must_change_password ? TOKEN_PASSWORD_CHANGE : TOKEN_FULL;
	if (auth_token_issue_tx(app, st, acc.id, out->scope, ttl_s, out) < 0 ||
	    auth_record_event(app, st, &acc, lc.user_key, addr_hash, remote_addr, "success") < 0 ||
	    auth_connlog_write(st, acc.id, acc.tenant_id, "https", "login", addr_hash,
	                       lc.client[0] ? lc.client : NULL) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		secret_wipe(out->token, sizeof(out->token));
		return *error_r = "internal", -1;
	}
	char pseudo[LOG_PSEUDONYM_LEN];
	log_info("event=login result=success account=%s", log_pseudonym(acc.id, pseudo));
	*error_r = NULL;
	return 0;
}

int auth_login_events(struct app *app, struct store *st, const struct account *acc, int limit,
                      void (*fn)(const struct login_event *e, void *ctx), void *ctx)
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT id, at_ms, result, addr_sealed FROM login_events "
	                "WHERE account_id = ? ORDER BY at_ms DESC LIMIT ?",
	                "sd", acc->id, limit);
	int rc;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct login_event e;
		char *plain = NULL;
		size_t len = 0, sealed_len = 0;
		memset(&e, 0, sizeof(e));
		e.at = store_col_int(q, 1) / 1000;
		snprintf(e.result, sizeof(e.result), "%s", store_col_text(q, 2));
		const void *sealed = store_col_blob(q, 3, &sealed_len);
		if (acc_open_column(app, st, acc->tenant_id, acc->id, "login_events",
		                    store_col_text(q, 0), "addr_sealed", sealed, sealed_len, &plain,
		                    &len) == 0 &&
		    plain != NULL)
			snprintf(e.address, sizeof(e.address), "%s", plain);
		acc_free_plain(plain, len);
		fn(&e, ctx);
	}
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}
