/*
 * privacy/erasure_ledger: every erased subject, so that erasure reaches
 * backups (P-AVL-1).
 *
 * Crypto-shredding destroys a subject's key in the live store, but a backup
 * taken before the erasure still holds the old wrapped key, and the master
 * key opens it. So every erasure is recorded here (tenant, subject, time;
 * never anything else about the person), and restoring a backup replays
 * the ledger of the live installation: each listed subject's key is
 * destroyed again (in every tenant of the restored store: the subject may
 * have moved tenant since the backup) and its rows are deleted through a
 * callback the composition root supplies (privacy never calls domain).
 *
 * The ledger travels apart from backups: restore reads it from the old data
 * directory (--replay-from) or from an exported file (--ledger), never from
 * the backup being restored.
 */
#ifndef IRIS_PRIVACY_ERASURE_LEDGER_H
#define IRIS_PRIVACY_ERASURE_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct keys;
struct store;

#define ERASURE_SUBJECT_MAX 128

struct erasure_entry {
	char id[40];
	char tenant_id[40];
	char subject_id[ERASURE_SUBJECT_MAX + 1];
	int64_t erased_at; /* Unix seconds */
};

/* A list of entries read from a ledger. */
struct erasure_list {
	struct erasure_entry *v;
	size_t n, cap;
};

/* Records the erasure of subject_id of tenant_id in the caller's
 * transaction (call it where the subject key is destroyed). */
int erasure_ledger_record(struct store *st, const char *tenant_id, const char *subject_id);

/* Reads every entry of st's ledger (oldest first) into list. */
int erasure_ledger_load(struct store *st, struct erasure_list *list);
/* Writes the ledger as text lines "iris-erasure-ledger 1" then
 * "<id> <tenant_id|-> <subject_id> <erased_at>"; returns the count or -1. */
int erasure_ledger_export(struct store *st, FILE *out);
/* Reads a file written by erasure_ledger_export; -1 on any malformed line. */
int erasure_ledger_load_file(const char *path, struct erasure_list *list, const char **error_r);
void erasure_list_free(struct erasure_list *list);

/* Deletes the rows of one erased subject in st (inside the replay's
 * transaction; the subject key is already destroyed). Returns 1 when it
 * found rows to delete, 0 when there were none, -1 on error. */
typedef int erasure_rows_fn(void *ctx, struct store *st, const char *tenant_id,
                            const char *subject_id);

/* Replays list into st: for each entry, in one transaction, destroys the
 * subject's key in every tenant of st, calls rows(ctx, ...) (may be NULL),
 * and copies the entry into st's own ledger. Idempotent. *effective_r (may
 * be NULL) receives how many entries still had a key or rows in st. */
int erasure_ledger_replay(struct keys *keys, struct store *st, const struct erasure_list *list,
                          erasure_rows_fn *rows, void *ctx, int *effective_r, const char **error_r);

/* Catalog fragment: extern const struct catalog_column erasure_ledger_catalog[]; */

#endif
