/*
 * domain/tenants: the customer organisations (controllers). Creating a
 * tenant creates its data key (keys_tenant_create) in the same transaction
 * (P-SEC-6). A freemium user who founds a company becomes its admin; the
 * acceptance of the standard processing agreement is recorded with who,
 * when and which version (P-ACC-3). Errors as in accounts.h.
 */
#ifndef IRIS_DOMAIN_TENANTS_H
#define IRIS_DOMAIN_TENANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ids.h"
#include "domain/accounts.h"

struct app;
struct store;

#define TENANTS_NAME_MAX 128

struct tenant {
	char id[IDS_UUID_LEN];
	char name[TENANTS_NAME_MAX + 1];
	char plan[16]; /* "business" (operator-made) or "company" (founded by a user) */
	bool discoverable;
	int64_t created_at;
};

/* True when name is 1..128 bytes of printable UTF-8 without control characters. */
bool tenants_name_valid(const char *name);

/* Creates a business tenant (operator, irisctl). Errors: "invalid_field",
 * "conflict" (name in use). */
int tenants_create(struct app *app, struct store *st, const struct actor *actor, const char *name,
                   char id_r[IDS_UUID_LEN], const char **error_r);
/* Inside the caller's transaction. */
int tenants_create_tx(struct app *app, struct store *st, const struct actor *actor,
                      const char *name, const char *plan, char id_r[IDS_UUID_LEN],
                      const char **error_r);

int tenants_get(struct store *st, const char *id, struct tenant *out, const char **error_r);
/* Every tenant in name order. */
int tenants_list(struct store *st, void (*fn)(const struct tenant *t, void *ctx), void *ctx);

/* A freemium user (tenant "") founds a company: the tenant is created, the
 * user becomes its tenant_admin, their sealed data moves under the new
 * tenant's key, and the agreement acceptance is recorded. accept_dpa must be
 * true ("dpa_required" otherwise). Errors also: "forbidden" (already in a
 * tenant), "conflict". */
int tenants_found_company(struct app *app, struct store *st, const struct account *founder,
                          const char *name, bool accept_dpa, char id_r[IDS_UUID_LEN],
                          const char **error_r);

/* The agreement acceptance(s) of a tenant. */
struct tenant_agreement {
	char accepted_by[IDS_UUID_LEN]; /* "" after the account was erased */
	char version[32];
	int64_t accepted_at;
};
int tenants_agreements(struct store *st, const char *tenant_id,
                       void (*fn)(const struct tenant_agreement *a, void *ctx), void *ctx);

#endif
