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

struct store;
struct keys;

struct audit_event {
	const char *tenant_id;	 /* "" for installation-level events */
	const char *actor_id;	 /* account id, or "system" / "operator-cli" */
	const char *actor_role;	 /* "user", "tenant_admin", "auditor", "operator", "system" */
	const char *action;	 /* dotted verb, e.g. "account.create", "profile.update" */
	const char *target_type; /* e.g. "account", "tenant" */
	const char *target_id;	 /* may be NULL */
	const char *fields;	 /* comma-separated column names touched; never values */
	const char *request_id;	 /* correlates with the request log; may be NULL */
	bool instruction;	 /* a documented instruction of the tenant (P-INS-1) */
};

/* Appends ev to its tenant's chain; call inside a transaction. Adds a signed
 * checkpoint when the chain length reaches a multiple of checkpoint_every
 * (0 = never automatically). */
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
 * and the checkpoints, for an auditor (P-AUD-2). */
int audit_export(struct store *st, const char *tenant_id, int64_t from_seq, FILE *out);

#endif
