/* domain/accounts_util: helpers shared by accounts, tenants, auth, profile. */
#include "domain/accounts_internal.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "crypto/scram.h"
#include "domain/app.h"
#include "domain/mail.h"
#include "privacy/audit.h"
#include "store/store.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const role_names[] = {"user", "tenant_admin", "auditor", "operator"};

const char *account_role_name(enum account_role role)
{
	if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0]))
		return "user";
	return role_names[role];
}

int account_role_parse(const char *name, enum account_role *role_r)
{
	for (unsigned i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (name != NULL && strcmp(name, role_names[i]) == 0) {
			*role_r = (enum account_role)i;
			return 0;
		}
	}
	return -1;
}

void actor_system(struct actor *a, const char *id)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->role = ROLE_OPERATOR;
}

void actor_from_account(struct actor *a, const struct account *acc)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", acc->id);
	snprintf(a->tenant_id, sizeof(a->tenant_id), "%s", acc->tenant_id);
	a->role = acc->role;
}

bool accounts_username_valid(const char *username)
{
	size_t len = username ? strlen(username) : 0;
	if (len < 2 || len > ACCOUNTS_USERNAME_MAX)
		return false;
	if (!islower((unsigned char)username[0]) && !isdigit((unsigned char)username[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)username[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

bool accounts_password_valid(const char *password)
{
	size_t len = password ? strlen(password) : 0;
	if (len < ACCOUNTS_PASSWORD_MIN || len > ACCOUNTS_PASSWORD_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)password[i] < 0x20 || password[i] == 0x7f)
			return false;
	return true;
}

int64_t acc_now(void)
{
	return (int64_t)time(NULL);
}

int64_t acc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void acc_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		fatal("event=sha256_failed");
	ids_hex(md, 32, out);
}

int acc_seal(struct app *app, struct store *st, const char *tenant_id, const char *account_id,
             const char *table, const char *row_id, const char *column, const void *value,
             size_t len, unsigned char **sealed_r, size_t *sealed_len_r)
{
	struct seal_ad ad = {table, row_id, column};
	return keys_seal(app->keys, st, tenant_id, account_id, &ad, value, len, sealed_r,
	                 sealed_len_r);
}

int acc_seal_column(struct app *app, struct store *st, const char *tenant_id,
                    const char *account_id, const char *table, const char *key_col,
                    const char *row_id, const char *column, const void *value, size_t len)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char sql[160];
	int n =
	    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE %s = ?", table, column, key_col);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return -1;
	if (value != NULL && acc_seal(app, st, tenant_id, account_id, table, row_id, column, value,
	                              len, &sealed, &sealed_len) < 0)
		return -1;
	int rc = value != NULL ? store_run(st, sql, "bs", sealed, sealed_len, row_id)
	                       : store_run(st, sql, "ns", row_id);
	free(sealed);
	return rc == STORE_DONE ? 0 : -1;
}

int acc_open_column(struct app *app, struct store *st, const char *tenant_id,
                    const char *account_id, const char *table, const char *row_id,
                    const char *column, const void *sealed, size_t sealed_len, char **plain_r,
                    size_t *len_r)
{
	struct seal_ad ad = {table, row_id, column};
	*plain_r = NULL;
	*len_r = 0;
	if (sealed == NULL)
		return 0;
	return keys_open_sealed(app->keys, st, tenant_id, account_id, &ad, sealed, sealed_len,
	                        plain_r, len_r);
}

void acc_free_plain(char *plain, size_t len)
{
	if (plain != NULL)
		secret_free(plain, len + 1);
}

int acc_audit(struct app *app, struct store *st, const struct actor *actor, const char *tenant_id,
              const char *action, const char *target_type, const char *target_id,
              const char *fields, bool instruction)
{
	struct audit_event ev = {
	    .tenant_id = tenant_id,
	    .actor_id = actor->id,
	    .actor_role = account_role_name(actor->role),
	    .action = action,
	    .target_type = target_type,
	    .target_id = target_id,
	    .fields = fields,
	    .request_id = NULL,
	    .instruction = instruction,
	};
	if (strcmp(actor->id, "system") == 0)
		ev.actor_role = "system";
	return audit_append(st, app->keys, &ev, (unsigned)app->cfg->audit_checkpoint_every);
}

int acc_email_normalise(const char *email, char *out, size_t outlen)
{
	size_t len = email ? strlen(email) : 0;
	if (len == 0 || len > ACCOUNTS_EMAIL_MAX || len >= outlen || !mail_address_valid(email))
		return -1;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)email[i]);
	out[len] = '\0';
	return 0;
}

int acc_email_index(struct app *app, struct store *st, const char *normalised, char out[65])
{
	return keys_blind_index(app->keys, st, "", "email", normalised, out);
}

int acc_credentials(struct app *app, const char *password, char **sha256_r, char **sha1_r)
{
	struct scram_credentials c256, c1;
	const char *error = NULL;
	unsigned iter = (unsigned)app->cfg->scram_iterations;
	*sha256_r = *sha1_r = NULL;
	if (scram_credentials_make(password, SCRAM_SHA256, iter, &c256, &error) < 0)
		return -1;
	if (scram_credentials_make(password, SCRAM_SHA1, iter, &c1, &error) < 0) {
		secret_wipe(&c256, sizeof(c256));
		return -1;
	}
	*sha256_r = scram_credentials_encode(&c256);
	*sha1_r = scram_credentials_encode(&c1);
	secret_wipe(&c256, sizeof(c256));
	secret_wipe(&c1, sizeof(c1));
	if (*sha256_r == NULL || *sha1_r == NULL) {
		free(*sha256_r);
		free(*sha1_r);
		*sha256_r = *sha1_r = NULL;
		return -1;
	}
	return 0;
}

void acc_random_password(char out[64])
{
	/* No 0/O, 1/l/I: easy to read aloud and type from a terminal. */
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	const unsigned n = sizeof(alphabet) - 1, limit = 256 - 256 % n;
	size_t len = 0;
	while (len < 24) {
		unsigned char c;
		ids_random(&c, 1);
		if (c < limit) /* rejection sampling: no modulo bias */
			out[len++] = alphabet[c % n];
	}
	out[len] = '\0';
}

void acc_from_row(struct store_stmt *stmt, struct account *acc)
{
	memset(acc, 0, sizeof(*acc));
	snprintf(acc->id, sizeof(acc->id), "%s", store_col_text(stmt, 0));
	snprintf(acc->tenant_id, sizeof(acc->tenant_id), "%s", store_col_text(stmt, 1));
	snprintf(acc->username, sizeof(acc->username), "%s", store_col_text(stmt, 2));
	if (account_role_parse(store_col_text(stmt, 3), &acc->role) < 0)
		acc->role = ROLE_USER;
	snprintf(acc->status, sizeof(acc->status), "%s", store_col_text(stmt, 4));
	acc->must_change_password = store_col_int(stmt, 5) != 0;
	acc->created_at = store_col_int(stmt, 6);
}
