/*
 * domain/directory: finding people across the network (P-DIR-1) and
 * suggested contacts (P-DIR-2).
 *
 * Search is exact-match on blind indexes (keyed HMAC-SHA-256, never the
 * values): each account has one 'name' row per normalised token of its
 * first and last names (lowercased, split on spaces and punctuation, at
 * least 2 bytes) and one 'domain' row for the domain of its e-mail address;
 * a query that is an e-mail address uses the accounts' own e-mail index, one
 * that is a username matches it exactly. No table is decrypted to search;
 * only the (at most DIRECTORY_MAX_RESULTS) results' names are opened for
 * display.
 *
 * Who is found: active accounts other than the operator; freemium users
 * always; members of a tenant when the tenant is discoverable (tenants.
 * discoverable, default 1, set by its admin), and always by members of the
 * same tenant. Results carry only username and display name.
 *
 * Suggestions: other active members of the caller's own tenant whose
 * e-mail has the same domain (business tenants only; freemium users get
 * none, since their domains are mostly public mail providers).
 *
 * The index is kept by hooks in accounts (create, e-mail change, tenant
 * move, erase) and profile (name changes): directory_reindex_tx() inside
 * their transaction.
 */
#ifndef IRIS_DOMAIN_DIRECTORY_H
#define IRIS_DOMAIN_DIRECTORY_H

#include <stdbool.h>

#include "domain/accounts.h"

struct app;
struct store;

#define DIRECTORY_MAX_RESULTS 20
#define DIRECTORY_QUERY_MAX 128
#define DIRECTORY_QUERY_TOKENS 4

struct directory_entry {
	char username[ACCOUNTS_USERNAME_MAX + 1];
	char display_name[2 * ACCOUNTS_NAME_MAX + 2];
};

typedef void directory_fn(const struct directory_entry *e, void *ctx);

/* Rebuilds account_id's index rows from its current names and e-mail (no
 * rows when the account is gone). Call inside the caller's transaction. */
int directory_reindex_tx(struct app *app, struct store *st, const char *account_id);

/* Rebuilds the rows of every account (accounts created before migration
 * 010, or after a change of the blind-index key); one transaction per
 * account. *count_r receives how many were indexed. */
int directory_reindex_all(struct app *app, struct store *st, int *count_r);

/* The account moved to tenant `to` (a freemium user founding a company):
 * its rows follow. Inside the caller's transaction. */
int directory_move_tx(struct store *st, const char *account_id, const char *to);

/* Searches for q (1..DIRECTORY_QUERY_MAX bytes; up to DIRECTORY_QUERY_TOKENS
 * name tokens, all of which must match). Errors: "invalid_field". */
int directory_search(struct app *app, struct store *st, const struct account *caller, const char *q,
                     directory_fn *fn, void *ctx, const char **error_r);

/* Suggested contacts of caller (P-DIR-2), at most DIRECTORY_MAX_RESULTS. */
int directory_suggestions(struct app *app, struct store *st, const struct account *caller,
                          directory_fn *fn, void *ctx, const char **error_r);

/* The tenant's directory setting (an instruction of its admin, audited). */
int directory_tenant_get(struct store *st, const char *tenant_id, bool *discoverable_r);
int directory_tenant_set(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, bool discoverable, const char **error_r);

/* Normalised name tokens of text into out (each at most 64 bytes + NUL);
 * returns the count (at most max). Exposed for tests. */
int directory_tokens(const char *text, char out[][65], int max);

/* Catalog fragment: extern const struct catalog_column directory_catalog[]; */

#endif
