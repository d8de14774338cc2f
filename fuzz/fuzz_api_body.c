/*
 * libFuzzer target: a REST request body into the strict JSON body check
 * (api/api_util.c, api_body: parse, field spec, types, enum values and
 * lengths, and the 400 answer that explains a refusal).
 *
 * Byte 0 picks a field spec (plain types, constrained strings, an empty
 * spec, or none); the rest is the body, as the HTTP parser hands it over.
 * Asserted: the body is accepted exactly when a reference check written
 * here accepts it (one JSON object, no duplicate keys, only the spec's
 * fields, each of its type, the required ones present; a role one of the
 * assignable roles, a person name at most ACCOUNTS_NAME_MAX bytes). A
 * refusal is always a 400 whose body is a JSON object with an error code
 * (invalid_json, unknown_field, invalid_field or missing_field) and a
 * message: never a 500, whatever bytes the client sent (invalid UTF-8 in
 * names and values included).
 */
#include "api/api_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* domain/app.c wants the catalog of irisd (src/cmd); no store is opened here. */
void app_register_catalog(void);
void app_register_catalog(void)
{
}

static const struct api_field plain_spec[] = {
    {"username", API_STRING, true}, {"confirm", API_BOOL, false}, {"limit", API_INT, false},
    {"extra", API_ANY, false},      {NULL, API_ANY, false},
};
static const struct api_field constrained_spec[] = {
    {"role", API_ROLE, false},
    {"first_name", API_PERSON_NAME, false},
    {"email", API_STRING, true},
    {NULL, API_ANY, false},
};
static const struct api_field empty_spec[] = {{NULL, API_ANY, false}};

static const struct api_field *spec_of(uint8_t b)
{
	switch (b % 4) {
	case 0:
		return plain_spec;
	case 1:
		return constrained_spec;
	case 2:
		return empty_spec;
	default:
		return NULL;
	}
}

static bool value_ok(json_t *v, enum api_type type)
{
	static const char *const roles[] = {"user", "tenant_admin", "auditor", NULL};
	switch (type) {
	case API_BOOL:
		return json_is_boolean(v);
	case API_INT:
		return json_is_integer(v);
	case API_ANY:
		return true;
	case API_ROLE:
		for (size_t i = 0; json_is_string(v) && roles[i] != NULL; i++)
			if (json_string_length(v) == strlen(roles[i]) &&
			    strcmp(json_string_value(v), roles[i]) == 0)
				return true;
		return false;
	case API_PERSON_NAME:
		return json_is_string(v) && json_string_length(v) <= ACCOUNTS_NAME_MAX;
	default:
		return json_is_string(v);
	}
}

/* The reference decision. */
static bool reference_ok(const char *body, size_t len, const struct api_field *spec)
{
	json_t *obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *v;
	const char *key;
	bool ok = json_is_object(obj);
	if (ok && spec != NULL) {
		json_object_foreach(obj, key, v)
		{
			const struct api_field *f = spec;
			while (f->name != NULL && strcmp(f->name, key) != 0)
				f++;
			ok = ok && f->name != NULL && value_ok(v, f->type);
		}
		for (const struct api_field *f = spec; f->name != NULL; f++)
			ok = ok && (!f->required || json_object_get(obj, f->name) != NULL);
	}
	json_decref(obj);
	return ok;
}

/* A refusal: 400 with {"error": {"code": one of ours, "message": ...}}. */
static void check_refusal(const struct http_response *resp)
{
	static const char *const codes[] = {"invalid_json", "unknown_field", "invalid_field",
	                                    "missing_field", NULL};
	if (resp->status != 400 || resp->body == NULL)
		abort();
	json_t *o = json_loadb(resp->body, resp->body_len, 0, NULL);
	json_t *err = json_object_get(o, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	bool known = false;
	for (size_t i = 0; code != NULL && codes[i] != NULL; i++)
		known = known || strcmp(code, codes[i]) == 0;
	if (!known || !json_is_string(json_object_get(err, "message")))
		abort();
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req = {.method = "POST"};
	struct http_response resp = {0};
	json_t *obj = NULL;
	if (size == 0)
		return 0;
	const struct api_field *spec = spec_of(data[0]);
	/* the HTTP parser's body: NUL-terminated, may hold NULs */
	req.body_len = size - 1;
	req.body = malloc(size);
	memcpy(req.body, data + 1, size - 1);
	req.body[size - 1] = '\0';
	int rc = api_body(&req, &resp, spec, &obj);
	bool want = reference_ok(req.body, req.body_len, spec);
	if (rc == 0) {
		if (!want || !json_is_object(obj) || resp.status != 0)
			abort();
	} else {
		if (want || obj != NULL)
			abort();
		check_refusal(&resp);
	}
	json_decref(obj);
	http_response_clear(&resp);
	free(req.body);
	return 0;
}
