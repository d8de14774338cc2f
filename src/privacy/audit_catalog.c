/*
 * Catalog entries of the audit tables (migration 003).
 *
 * An entry names who acted and on whom by opaque account ids; those two
 * columns are personal data (identifiers). They are kept under a legal duty
 * (accountability, GDPR Art. 5(2) and the processor's duty to demonstrate
 * compliance, Art. 28(3)(h)) and cannot be erased one by one: the hash chain
 * is what makes the log evidence. The whole chain is destroyed with the
 * tenant at the end of its contract (audit_purge_tenant, P-END-1). Once an
 * account is erased, its id in the log points at nothing.
 */
#include "core/module.h"
#include "privacy/audit.h"

#define AUDIT_PURPOSE "input control and accountability (audit log)"
#define AUDIT_BASIS "GDPR Art. 6(1)(c) legal obligation (Art. 5(2), 28(3)(h), 32)"
#define AUDIT_RETENTION "for the tenant's contract; destroyed with the tenant's data"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}

const struct catalog_column audit_catalog[] = {
    TECH("audit_log", "tenant_id", "the organisation whose chain this is"),
    TECH("audit_log", "seq", "position in the chain"),
    TECH("audit_log", "at_ms", "time of the event; about a person only through actor_id"),
    {"audit_log", "actor_id", true, false, "dpv-pd:Identifier",
     "end user, tenant admin, auditor, operator", AUDIT_PURPOSE, AUDIT_BASIS, AUDIT_RETENTION, 0,
     ERASE_KEEP_LEGAL, EXPORT_VALUE, NULL},
    TECH("audit_log", "actor_role", "role name from a fixed list (user, tenant_admin, ...)"),
    TECH("audit_log", "action", "verb from a fixed list (account.create, ...)"),
    TECH("audit_log", "target_type", "kind of object acted on (account, tenant, ...)"),
    {"audit_log", "target_id", true, false, "dpv-pd:Identifier", "end user, tenant admin",
     AUDIT_PURPOSE, AUDIT_BASIS, AUDIT_RETENTION, 0, ERASE_KEEP_LEGAL, EXPORT_VALUE, NULL},
    TECH("audit_log", "fields", "names of the columns touched, never their values"),
    TECH("audit_log", "request_id", "random id correlating with the request log"),
    TECH("audit_log", "instruction", "flag: a documented instruction of the tenant"),
    TECH("audit_log", "prev_hash", "SHA-256 link to the previous entry"),
    TECH("audit_log", "entry_hash", "SHA-256 of this entry"),
    TECH("audit_checkpoints", "tenant_id", "the organisation whose chain this is"),
    TECH("audit_checkpoints", "seq", "position of the signed head"),
    TECH("audit_checkpoints", "head_hash", "SHA-256 chain head"),
    TECH("audit_checkpoints", "signature", "Ed25519 signature of the installation"),
    TECH("audit_checkpoints", "at_ms", "time of signing"),
    TECH("audit_purges", "tenant_id", "the organisation whose chain was destroyed"),
    TECH("audit_purges", "last_seq", "length of the destroyed chain"),
    TECH("audit_purges", "head_hash", "final head of the destroyed chain"),
    TECH("audit_purges", "at_ms", "time of destruction"),
    {0},
};

const struct catalog_table audit_catalog_tables[] = {
    {"audit_log", "target_id", "tenant_id", NULL, NULL},
    {0},
};

const struct module audit_module = {
    .name = "audit",
    .columns = audit_catalog,
    .tables = audit_catalog_tables,
};
