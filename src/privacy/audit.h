/*
 * privacy/audit: the append-only, hash-chained audit log (P-AUD-1, P-INS-1).
 *
 * One chain per tenant (tenant "" holds operator-level events). Each entry
 * records who (actor id and role), when, what (action, target type and id,
 * names of the fields touched) and on whose instruction, never the values.
 * entry_hash = SHA-256(prev_hash || canonical encoding of the entry); every
 * audit.checkpoint_every entries, and on demand, the chain head is signed
 * with Ed25519 (crypto/keys) so an auditor can verify a tenant's extract with
 * the public key alone. Appends run inside the caller's transaction, so the
 * audit entry and the change it records commit together or not at all.
 */
#ifndef IRIS_PRIVACY_AUDIT_H
#define IRIS_PRIVACY_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "privacy/catalog.h"

struct store;
struct keys;

struct audit_event {
	const char *tenant_id;   /* "" for installation-level events */
	const char *actor_id;    /* account id, or "system" / "operator-cli" */
	const char *actor_role;  /* "user", "tenant_admin", "auditor", "operator", "system" */
	const char *action;      /* dotted verb, e.g. "account.create", "profile.update" */
	const char *target_type; /* e.g. "account", "tenant" */
	const char *target_id;   /* may be NULL */
	const char *fields;      /* comma-separated column names touched; never values */
	const char *request_id;  /* correlates with the request log; may be NULL */
	bool instruction;        /* a documented instruction of the tenant (P-INS-1) */
};

/* Appends ev to its tenant's chain; call inside a transaction (when called
 * outside one, the append runs in its own). Adds a signed checkpoint when the
 * chain length reaches a multiple of checkpoint_every (0 = never
 * automatically). Never values: fields must be a comma-separated list of
 * lowercase column names ([a-z][a-z0-9_.]*), and ids opaque identifiers
 * ([A-Za-z0-9._:-], at most 128 bytes, so no '@' and no spaces); an event
 * that does not have this shape is refused (-1) and logged, nothing is
 * written. */
int audit_append(struct store *st, struct keys *keys, const struct audit_event *ev,
                 unsigned checkpoint_every);
/* Signs the current head of tenant's chain now. */
int audit_checkpoint(struct store *st, struct keys *keys, const char *tenant_id);

struct audit_verify_report {
	uint64_t entries;
	uint64_t checkpoints;
	bool ok;
	int64_t first_bad_seq; /* -1 when ok */
	char reason[256];      /* what failed: edited, removed, reordered, signature */
};
/* Verifies tenant's chain (or every chain when tenant_id is NULL): the hash
 * links, sequence continuity, and every checkpoint signature against the
 * public key. Returns 0 when verification ran (see report->ok), -1 when it
 * could not run. */
int audit_verify(struct store *st, const unsigned char pub[32], const char *tenant_id,
                 struct audit_verify_report *report);

/* Writes tenant's entries (seq >= from_seq) as JSON lines, with their hashes
 * and the checkpoints, for an auditor (P-AUD-2). Only that tenant's rows are
 * read; tenant_id NULL is an error. Format: docs/audit.md. */
int audit_export(struct store *st, const char *tenant_id, int64_t from_seq, FILE *out);

/* `irisctl audit verify [--tenant T]`: verifies one chain, or every chain
 * when tenant_or_null is NULL, and prints one line per chain ("tenant X: N
 * entries, M checkpoints, chain intact" or where and how it broke). Returns
 * 0 when intact, 1 when broken, -1 when verification could not run. */
int audit_cli_verify(struct store *st, const unsigned char pub[32], const char *tenant_or_null,
                     FILE *out);

/* End of a tenant's contract (P-END-1): records "tenant.audit_purge" in the
 * installation chain (signed at once), keeps the purged chain's final head in
 * audit_purges, then deletes the tenant's entries and checkpoints (the only
 * delete the database triggers allow). Runs in the caller's transaction, or
 * in its own. The installation chain ("") is never purged. */
int audit_purge_tenant(struct store *st, struct keys *keys, const char *tenant_id,
                       const char *actor_id, const char *actor_role);

/* Catalog fragment of the audit tables (migration 003). */
extern const struct catalog_column audit_catalog[];
extern const struct catalog_table audit_catalog_tables[];
/* The audit log's module descriptor (core/module.h). */
extern const struct module audit_module;

#endif
