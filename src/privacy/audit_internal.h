/*
 * privacy/audit internals shared by the append, verify, export and CLI files
 * of the audit log and by its tests. Not part of the module's contract.
 */
#ifndef IRIS_PRIVACY_AUDIT_INTERNAL_H
#define IRIS_PRIVACY_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_stmt;

#define AUDIT_HASH_LEN 32
#define AUDIT_SIG_LEN 64
#define AUDIT_ENCODING_LABEL "iris-audit-v1"
#define AUDIT_CHECKPOINT_LABEL "iris-audit-checkpoint"

/* One stored entry, as read back or about to be written. */
struct audit_row {
	const char *tenant_id;
	int64_t seq;
	int64_t at_ms;
	const char *actor_id;
	const char *actor_role;
	const char *action;
	const char *target_type;
	const char *target_id;  /* may be NULL */
	const char *fields;     /* may be NULL */
	const char *request_id; /* may be NULL */
	bool instruction;
};

/* The columns of audit_log in the order every SELECT of this module uses. */
#define AUDIT_ROW_COLUMNS                                                                          \
	"tenant_id, seq, at_ms, actor_id, actor_role, action, target_type, target_id, "            \
	"fields, request_id, instruction, prev_hash, entry_hash"

/* entry_hash = SHA-256(prev || canonical encoding of row); see docs/audit.md
 * for the encoding. Returns 0, or -1 when the digest cannot be computed. */
int audit_entry_hash(const unsigned char prev[AUDIT_HASH_LEN], const struct audit_row *row,
                     unsigned char out[AUDIT_HASH_LEN]);

/* The signed message of a checkpoint: the label, then the length-prefixed
 * tenant, seq (8 bytes big-endian) and the 32-byte head. *msg_r is malloc'd. */
void audit_checkpoint_message(const char *tenant_id, int64_t seq,
                              const unsigned char head[AUDIT_HASH_LEN], unsigned char **msg_r,
                              size_t *len_r);

/* Every tenant with audit entries or checkpoints, sorted; *tenants_r is a
 * malloc'd array of malloc'd strings (free with audit_tenants_free). */
int audit_tenants(struct store *st, char ***tenants_r, size_t *count_r);
void audit_tenants_free(char **tenants, size_t count);

/* Fills row from the current row of a statement that selected
 * AUDIT_ROW_COLUMNS; pointers stay valid until the next step. */
void audit_row_read(struct store_stmt *stmt, struct audit_row *row);

/* Milliseconds since the epoch (wall clock). */
int64_t audit_now_ms(void);

#endif
