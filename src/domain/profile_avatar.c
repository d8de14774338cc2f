/*
 * domain/profile_avatar: the avatar image (P-PRO-1), sealed like every
 * other profile value. Only PNG and JPEG are taken, and only when the bytes
 * really start like the declared type (a mislabelled upload is refused).
 */
#include "core/config.h"
#include "core/xalloc.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/profile.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool magic_matches(const char *type, const unsigned char *data, size_t len)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	static const unsigned char jpeg[3] = {0xff, 0xd8, 0xff};
	if (strcmp(type, "image/png") == 0)
		return len >= sizeof(png) && memcmp(data, png, sizeof(png)) == 0;
	if (strcmp(type, "image/jpeg") == 0)
		return len >= sizeof(jpeg) && memcmp(data, jpeg, sizeof(jpeg)) == 0;
	return false;
}

/* "image/png; charset=..." → "image/png"; NULL when not PNG or JPEG. */
static const char *media_type(const char *content_type)
{
	if (content_type == NULL)
		return NULL;
	size_t len = strcspn(content_type, "; \t");
	if (len == 9 && strncasecmp(content_type, "image/png", 9) == 0)
		return "image/png";
	if (len == 10 && strncasecmp(content_type, "image/jpeg", 10) == 0)
		return "image/jpeg";
	return NULL;
}

static int avatar_write(struct app *app, struct store *st, const struct actor *actor,
                        const struct account *acc, const char *type, const void *data, size_t len)
{
	if (acc_seal_column(app, st, acc->tenant_id, acc->id, "account_profiles", "account_id",
	                    acc->id, "avatar_sealed", data, len) < 0 ||
	    store_run(st,
	              "UPDATE account_profiles SET avatar_type = ?, updated_at = ? WHERE "
	              "account_id = ?",
	              "sis", type, acc_now(), acc->id) != STORE_DONE)
		return -1;
	return acc_audit(app, st, actor, acc->tenant_id, data ? "profile.update" : "profile.remove",
	                 "account", acc->id, "avatar", strcmp(actor->id, acc->id) != 0);
}

static int avatar_tx(struct app *app, struct store *st, const struct actor *actor,
                     const struct account *acc, const char *type, const void *data, size_t len,
                     const char **error_r)
{
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (avatar_write(app, st, actor, acc, type, data, len) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return *error_r = "internal", -1;
	}
	*error_r = NULL;
	return 0;
}

int profile_avatar_set(struct app *app, struct store *st, const struct actor *actor,
                       const struct account *acc, const char *content_type, const void *data,
                       size_t len, const char **error_r)
{
	const char *type = media_type(content_type);
	if (type == NULL || data == NULL || !magic_matches(type, data, len))
		return *error_r = "unsupported_media_type", -1;
	if (len > (size_t)app->cfg->avatar_max_bytes)
		return *error_r = "payload_too_large", -1;
	return avatar_tx(app, st, actor, acc, type, data, len, error_r);
}

int profile_avatar_delete(struct app *app, struct store *st, const struct actor *actor,
                          const struct account *acc, const char **error_r)
{
	return avatar_tx(app, st, actor, acc, NULL, NULL, 0, error_r);
}

int profile_avatar_get(struct app *app, struct store *st, const struct account *acc, char **data_r,
                       size_t *len_r, char type_r[32], const char **error_r)
{
	size_t sealed_len = 0;
	int ret = -1;
	struct store_stmt *q =
	    store_query(st,
	                "SELECT avatar_sealed, avatar_type FROM account_profiles "
	                "WHERE account_id = ?",
	                "s", acc->id);
	int rc = q ? store_step(q) : STORE_ERROR;
	*data_r = NULL;
	*error_r = rc == STORE_ERROR ? "internal" : "not_found";
	if (rc != STORE_ROW || store_col_is_null(q, 0))
		goto out;
	snprintf(type_r, 32, "%s", store_col_text(q, 1) ? store_col_text(q, 1) : "");
	const void *sealed = store_col_blob(q, 0, &sealed_len);
	char *plain = NULL;
	size_t len = 0;
	*error_r = "internal";
	if (acc_open_column(app, st, acc->tenant_id, acc->id, "account_profiles", acc->id,
	                    "avatar_sealed", sealed, sealed_len, &plain, &len) < 0 ||
	    plain == NULL)
		goto out;
	*data_r = xmalloc(len ? len : 1);
	memcpy(*data_r, plain, len);
	*len_r = len;
	acc_free_plain(plain, len);
	*error_r = NULL;
	ret = 0;
out:
	store_stmt_done(q);
	return ret;
}
