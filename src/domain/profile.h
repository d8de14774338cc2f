/*
 * domain/profile: the optional profile of P-PRO-1 (title, nickname, job
 * title, department, phone numbers, other e-mail addresses, postal address,
 * company, display name (the vCard FN, when it is not just first and last
 * name), avatar) and the names given at registration. Every value is
 * sealed under the account's subject key, bound to (account_profiles,
 * account id, column); set, corrected and removed by the user or, for
 * rectification (P-DSR-2), by their tenant admin. Each change is audited
 * with the names of the fields, never their values.
 */
#ifndef IRIS_DOMAIN_PROFILE_H
#define IRIS_DOMAIN_PROFILE_H

#include <jansson.h>
#include <stddef.h>

#include "domain/accounts.h"

struct app;
struct store;

#define PROFILE_LIST_MAX 10

/* The profile as a JSON object: every field, null when unset, plus
 * "avatar" (null or {"content_type": ...}). *out_r is a new reference. */
int profile_get(struct app *app, struct store *st, const struct account *acc, json_t **out_r,
                const char **error_r);

/* Applies patch (a JSON object): a string (or array of strings for
 * phone_numbers and other_emails) sets or corrects a field, null removes it
 * (first_name and last_name cannot be removed). Everything is checked before
 * anything is written. Errors: "unknown_field", "invalid_field",
 * "invalid_email", with *field_r naming the field (valid while patch lives). */
int profile_patch(struct app *app, struct store *st, const struct actor *actor,
                  const struct account *acc, json_t *patch, const char **error_r,
                  const char **field_r);
/* The two halves of profile_patch, for a caller whose writes run in a
 * transaction it does not own (the store's writer thread: api_write).
 * profile_patch_check checks patch (errors as above; an empty patch is
 * fine). profile_patch_tx writes a checked, non-empty patch inside the
 * caller's transaction, with its audit entries and the directory's index;
 * -1 on a storage error (the caller rolls back). */
int profile_patch_check(json_t *patch, const char **error_r, const char **field_r);
int profile_patch_tx(struct app *app, struct store *st, const struct actor *actor,
                     const struct account *acc, json_t *patch);

/* Avatar: PNG or JPEG whose first bytes match content_type, at most
 * profile.avatar_max_bytes. Errors: "unsupported_media_type",
 * "payload_too_large". */
int profile_avatar_set(struct app *app, struct store *st, const struct actor *actor,
                       const struct account *acc, const char *content_type, const void *data,
                       size_t len, const char **error_r);
/* *data_r malloc'd (free with free()); type_r receives the content type.
 * Errors: "not_found". */
int profile_avatar_get(struct app *app, struct store *st, const struct account *acc, char **data_r,
                       size_t *len_r, char type_r[32], const char **error_r);
int profile_avatar_delete(struct app *app, struct store *st, const struct actor *actor,
                          const struct account *acc, const char **error_r);

/* first_name and last_name, opened (malloc'd, NULL when unset), for listings. */
int profile_names(struct app *app, struct store *st, const struct account *acc, char **first_r,
                  char **last_r);

#endif
