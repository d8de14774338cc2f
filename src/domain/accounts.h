/*
 * domain/accounts: accounts of one installation (P-ACC-1..3, P-SEC-1,
 * P-SEC-7). An account belongs to one tenant, or to none (tenant_id "",
 * freemium users and the operator). Usernames are XMPP localparts, unique
 * installation-wide and kept in clear (login, JIDs); the e-mail address is
 * sealed under the account's subject key and found through an
 * installation-wide blind index; the password is kept only as SCRAM-SHA-256
 * and SCRAM-SHA-1 credentials.
 *
 * Every function that changes data runs its own transaction (callers must
 * not hold one) and appends the audit entry in it. Errors: -1 with *error_r
 * set to a stable code ("username_taken", "invalid_email", "not_found",
 * "internal", ...) that the REST layer maps to a status.
 */
#ifndef IRIS_DOMAIN_ACCOUNTS_H
#define IRIS_DOMAIN_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ids.h"

struct app;
struct store;

#define ACCOUNTS_USERNAME_MAX 64
#define ACCOUNTS_PASSWORD_MIN 8
#define ACCOUNTS_PASSWORD_MAX 1024
#define ACCOUNTS_NAME_MAX 256
#define ACCOUNTS_EMAIL_MAX 254
/* Version of the standard processing agreement a company accepts. */
#define ACCOUNTS_DPA_VERSION "iris-dpa-2024-1"

enum account_role { ROLE_USER = 0, ROLE_TENANT_ADMIN, ROLE_AUDITOR, ROLE_OPERATOR };

/* Who acts: recorded in the audit log. id is an account id or "system" /
 * "operator-cli"; tenant_id is the actor's tenant ("" for none). */
struct actor {
	char id[IDS_UUID_LEN + 16];
	enum account_role role;
	char tenant_id[IDS_UUID_LEN];
};

/* An account as read from the store (no secrets). */
struct account {
	char id[IDS_UUID_LEN];
	char tenant_id[IDS_UUID_LEN];
	char username[ACCOUNTS_USERNAME_MAX + 1];
	enum account_role role;
	char status[16]; /* "pending", "active", "disabled" */
	bool must_change_password;
	int64_t created_at;
};

/* What a new account is made of. email, first/last name and password may be
 * NULL where the caller allows it (password NULL: a random one-time password
 * is drawn, returned in password_r and must be changed at first login). */
struct account_new {
	const char *tenant_id;
	const char *username;
	const char *password;
	const char *email;
	const char *first_name;
	const char *last_name;
	enum account_role role;
	const char *status; /* "active" or "pending" */
	bool must_change_password;
};

/* First start (DESIGN "make run"): the operator and the first tenant admin. */
struct accounts_bootstrap_result {
	bool created;
	char operator_username[ACCOUNTS_USERNAME_MAX + 1];
	char operator_password[64];
	char tenant_id[IDS_UUID_LEN];
	char tenant_name[64];
	char admin_username[ACCOUNTS_USERNAME_MAX + 1];
	char admin_password[64];
};

const char *account_role_name(enum account_role role);
int account_role_parse(const char *name, enum account_role *role_r);

/* Actor for irisctl and bootstrap ("operator-cli" / "system"). */
void actor_system(struct actor *a, const char *id);
/* Actor from an account. */
void actor_from_account(struct actor *a, const struct account *acc);

/* Checks: username (lowercase a-z 0-9 . _ -, 2..64, starting with a letter
 * or digit), password (8..1024 bytes, no control characters). */
bool accounts_username_valid(const char *username);
bool accounts_password_valid(const char *password);

/* Creates an account (and its sealed e-mail and names) in one transaction.
 * id_r receives the new id; password_r (64 bytes) the one-time password
 * when in->password is NULL, else "". */
int accounts_create(struct app *app, struct store *st, const struct actor *actor,
                    const struct account_new *in, char id_r[IDS_UUID_LEN], char password_r[64],
                    const char **error_r);

/* Reads an account by id or username. Returns 0, or -1 with "not_found". */
int accounts_get(struct store *st, const char *id, struct account *out, const char **error_r);
int accounts_get_by_username(struct store *st, const char *username, struct account *out,
                             const char **error_r);
/* Opens the account's e-mail; *email_r malloc'd (NULL when none). */
int accounts_email(struct app *app, struct store *st, const struct account *acc, char **email_r);

/* Sets a new password (NULL: random one-time, returned in password_r, 64
 * bytes) and revokes every token of the account. must_change marks that the
 * holder must choose a new one at next login. After the commit it notifies
 * ACCOUNT_CHANGE_PASSWORD (core/account_events.h): live sessions end. */
int accounts_set_password(struct app *app, struct store *st, const struct actor *actor,
                          const char *account_id, const char *password, bool must_change,
                          char password_r[64], const char **error_r);
/* For irisctl: resets by username to a random one-time password. */
int accounts_reset_password(struct app *app, struct store *st, const char *username,
                            char password_r[64], const char **error_r);

/* Changes of a member by an admin: any pointer NULL is left as is.
 * Disabling revokes every token and, after the commit, notifies
 * ACCOUNT_CHANGE_DISABLED (live sessions end). */
struct account_update {
	const char *role;
	const char *status;
	const char *email;
};
int accounts_update(struct app *app, struct store *st, const struct actor *actor,
                    const char *account_id, const struct account_update *upd, const char **error_r);

/* Erases the account: destroys its subject key (crypto-shredding), deletes
 * its rows (profile, tokens, confirmations, queued mail), anonymises its
 * login events, closes its deletion requests, writes the audit entry. The
 * privacy centre extends this with the other modules' data (P-ACC-4).
 * Notifies ACCOUNT_CHANGE_ERASED after the commit (live sessions end);
 * accounts_erase_tx before the caller's commit. */
int accounts_erase(struct app *app, struct store *st, const struct actor *actor,
                   const char *account_id, const char **error_r);
/* The same, recording the deletion request it answers in the deletion log. */
int accounts_erase_for_request(struct app *app, struct store *st, const struct actor *actor,
                               const char *account_id, const char *request_id,
                               const char **error_r);
/* The same inside the caller's transaction. */
int accounts_erase_tx(struct app *app, struct store *st, const struct actor *actor,
                      const struct account *acc, const char **error_r);

/* Lists the accounts of tenant_id in username order: fn is called for each. */
int accounts_list(struct store *st, const char *tenant_id,
                  void (*fn)(const struct account *acc, void *ctx), void *ctx);

/* Creates the operator and the tenant "default" with its admin when no
 * operator exists; otherwise returns 0 with out->created false. */
int accounts_bootstrap(struct app *app, struct store *st, struct accounts_bootstrap_result *out);
/* Wipes the passwords in out. */
void accounts_bootstrap_result_wipe(struct accounts_bootstrap_result *out);

/* Freemium self-registration (P-ACC-1): a pending account and a queued
 * confirmation mail with a single-use code. Errors include
 * "registration_disabled". */
struct registration {
	const char *username;
	const char *password;
	const char *email;
	const char *first_name;
	const char *last_name;
};
/* Erases the pending registrations whose code expired at now (created
 * before now - auth confirm TTL), in one transaction, and records them in
 * the retention log (category "pending_registrations", tenant ""). The job
 * accounts.pending_purge. */
int accounts_purge_pending(struct app *app, struct store *st, int64_t now, int64_t *erased_r);
int accounts_register(struct app *app, struct store *st, const struct registration *reg,
                      char id_r[IDS_UUID_LEN], const char **error_r);
/* Activates the account the code was sent for; the code is used up.
 * Errors: "invalid_code", "code_expired". */
int accounts_confirm(struct app *app, struct store *st, const char *code, const char **error_r);

/* Deletion requests of members (P-ACC-2). */
int accounts_deletion_request(struct app *app, struct store *st, const struct account *acc,
                              char id_r[IDS_UUID_LEN], const char **error_r);
struct deletion_request {
	char id[IDS_UUID_LEN];
	char account_id[IDS_UUID_LEN]; /* "" once the account is erased */
	char username[ACCOUNTS_USERNAME_MAX + 1];
	char status[16];
	int64_t created_at;
	int64_t decided_at; /* 0 while open */
	/* One calendar month after created_at (GDPR Art. 12(3)); overdue
	 * while still open past it by the privacy clock (core/clock.h). */
	int64_t due_at;
	bool overdue;
};
int accounts_deletion_requests_list(struct store *st, const char *tenant_id,
                                    void (*fn)(const struct deletion_request *r, void *ctx),
                                    void *ctx);
/* Closes an open request as "rejected" or "done" (done erases the account). */
int accounts_deletion_request_decide(struct app *app, struct store *st, const struct actor *actor,
                                     const char *tenant_id, const char *request_id,
                                     const char *status, const char **error_r);

/* The catalog fragment of every table above (privacy/catalog.h):
 * extern const struct catalog_column accounts_catalog[]; */

#endif
