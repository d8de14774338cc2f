/*
 * api_dsr_import: direct transfer (P-DSR-5): an export archive of another
 * Iris (privacy/dsr.h) becomes a new account of the importing tenant.
 *   POST /api/v1/tenants/{id}/import[?username=U]   body: the .tar   admin
 * The account gets the archive's username (or U), e-mail, names, profile
 * fields and avatar, and a one-time password; the rest of the archive
 * (login history, consents, requests) describes processing by the other
 * controller and is not replayed. Everything is checked before anything is
 * written; if a later step fails the new account is erased again.
 */
#include "api/api_internal.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "domain/profile.h"
#include "privacy/archive.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_FILES 4096

/* The first row object of data/<table>.json, or NULL (new reference). */
static json_t *first_row(const char *body, size_t len, const char *table)
{
	char path[96];
	size_t n = 0;
	snprintf(path, sizeof(path), "data/%s.json", table);
	const unsigned char *data = archive_find(body, len, path, &n);
	if (data == NULL)
		return NULL;
	json_t *rows = json_loadb((const char *)data, n, JSON_REJECT_DUPLICATES, NULL);
	json_t *row = json_is_array(rows) ? json_array_get(rows, 0) : NULL;
	if (!json_is_object(row)) {
		json_decref(rows);
		return NULL;
	}
	json_incref(row);
	json_decref(rows);
	return row;
}

static bool manifest_ok(const char *body, size_t len)
{
	size_t n = 0;
	const unsigned char *m = archive_find(body, len, "manifest.json", &n);
	if (m == NULL)
		return false;
	json_t *j = json_loadb((const char *)m, n, JSON_REJECT_DUPLICATES, NULL);
	const char *fmt = json_string_value(json_object_get(j, "format"));
	bool ok = fmt != NULL && strcmp(fmt, "iris-export") == 0 &&
	          json_integer_value(json_object_get(j, "version")) == 1;
	json_decref(j);
	return ok;
}

static const char *const profile_keys[] = {
    "title",        "nickname",       "job_title", "department",   "phone_numbers",
    "other_emails", "postal_address", "company",   "display_name", NULL};

/* Every file is acceptable once archive_each checked its header. */
static int accept_file(const char *name, const unsigned char *data, size_t len, void *ctx)
{
	(void)name, (void)data, (void)len, (void)ctx;
	return 0;
}

static const char *image_type(const unsigned char *d, size_t n)
{
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && memcmp(d, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	return NULL;
}

static void h_import(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct principal p;
	struct account acc;
	char id[IDS_UUID_LEN] = "", otp[64] = "", uname[ACCOUNTS_USERNAME_MAX + 2];
	const char *error = NULL, *field = NULL, *tid = http_request_param(req, "id");
	json_t *account = NULL, *profile = NULL, *patch = json_object(), *imported = json_array();
	if (api_auth(app, st, req, resp, &p, false) < 0 ||
	    api_allow(st, resp, &p, AZ_MEMBERS_CREATE, tid) < 0)
		goto out;
	if (req->body == NULL || req->body_len == 0 ||
	    archive_each(req->body, req->body_len, IMPORT_MAX_FILES, accept_file, NULL) < 0 ||
	    !manifest_ok(req->body, req->body_len) ||
	    (account = first_row(req->body, req->body_len, "accounts")) == NULL) {
		api_fail(resp, "invalid_archive");
		goto out;
	}
	profile = first_row(req->body, req->body_len, "account_profiles");
	const char *username = json_string_value(json_object_get(account, "username"));
	if (http_request_query(req, "username", uname, sizeof(uname)) != NULL)
		username = uname;
	for (size_t i = 0; profile_keys[i] != NULL; i++) {
		json_t *v = json_object_get(profile, profile_keys[i]);
		if (v != NULL && !json_is_null(v)) {
			json_object_set(patch, profile_keys[i], v);
			json_array_append_new(imported, json_string(profile_keys[i]));
		}
	}
	const char *avatar_path = json_string_value(json_object_get(profile, "avatar"));
	size_t avatar_len = 0;
	const unsigned char *avatar =
	    avatar_path ? archive_find(req->body, req->body_len, avatar_path, &avatar_len) : NULL;
	const char *avatar_type = avatar ? image_type(avatar, avatar_len) : NULL;
	struct account_new in = {
	    .tenant_id = tid,
	    .username = username,
	    .password = NULL,
	    .email = json_string_value(json_object_get(account, "email")),
	    .first_name = json_string_value(json_object_get(profile, "first_name")),
	    .last_name = json_string_value(json_object_get(profile, "last_name")),
	    .role = ROLE_USER,
	    .status = "active",
	};
	if (username == NULL) {
		api_fail_field(resp, "missing_field", "username");
		goto out;
	}
	if (accounts_create(app, st, &p.actor, &in, id, otp, &error) < 0 ||
	    accounts_get(st, id, &acc, &error) < 0) {
		api_fail(resp, error);
		id[0] = '\0';
		goto out;
	}
	if (profile_patch(app, st, &p.actor, &acc, patch, &error, &field) < 0 ||
	    (avatar_type != NULL && profile_avatar_set(app, st, &p.actor, &acc, avatar_type, avatar,
	                                               avatar_len, &error) < 0)) {
		const char *code = error, *ignored = NULL;
		if (code != NULL && strcmp(code, "internal") != 0)
			api_fail_field(resp, code, field);
		else
			api_fail(resp, "internal");
		accounts_erase(app, st, &p.actor, id, &ignored); /* no partial state */
		goto out;
	}
	if (in.email)
		json_array_append_new(imported, json_string("email"));
	if (in.first_name)
		json_array_append_new(imported, json_string("first_name"));
	if (in.last_name)
		json_array_append_new(imported, json_string("last_name"));
	if (avatar_type)
		json_array_append_new(imported, json_string("avatar"));
	json_t *o = api_account_json(&acc);
	json_object_set_new(o, "one_time_password", json_string(otp));
	json_object_set(o, "imported", imported);
	http_response_json(resp, 201, o);
out:
	secret_wipe(otp, sizeof(otp));
	json_decref(account);
	json_decref(profile);
	json_decref(patch);
	json_decref(imported);
}

void api_routes_dsr_import(struct http_router *router, struct app *app)
{
	http_router_add(router, "POST", "/api/v1/tenants/{id}/import", HTTP_ROUTE_WORKER, h_import,
	                app);
}
