/*
 * Catalog entries of migration 010's backup tables: the erasure ledger
 * (P-AVL-1) and the record of backup runs.
 */
#include "core/module.h"
#include "privacy/backup.h"
#include "privacy/catalog.h"
#include "privacy/erasure_ledger.h"

extern const struct catalog_column backup_catalog[];

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}

const struct catalog_column backup_catalog[] = {
    TECH("erasure_ledger", "id", "random UUIDv4 of the ledger entry"),
    TECH("erasure_ledger", "tenant_id", "organisation of the erased subject"),
    {"erasure_ledger", "subject_id", true, false, "dpv-pd:Identifier",
     "erased end user (only the random id, nothing else)",
     "making erasure reach backups: a restore replays it (P-AVL-1)",
     "GDPR Art. 6(1)(c) legal obligation (Art. 17, 5(2))",
     "as long as backups taken before the erasure may be restored", 0, ERASE_KEEP_LEGAL,
     EXPORT_NONE, NULL},
    TECH("erasure_ledger", "erased_at", "time of the erasure"),
    TECH("backup_runs", "id", "random UUIDv4 of the backup (also in its manifest)"),
    TECH("backup_runs", "created_at", "when the backup was taken"),
    TECH("backup_runs", "schema_version", "schema of the copied database"),
    TECH("backup_runs", "db_bytes", "size of the copied database"),
    {NULL, NULL, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL, EXPORT_NONE,
     NULL},
};

/* Table declarations (privacy/catalog.h): the ledger is deliberately not
 * tied to its subject, since it must outlive the subject's erasure. */
extern const struct catalog_table backup_catalog_tables[];
const struct catalog_table backup_catalog_tables[] = {
    {"erasure_ledger", NULL, "tenant_id", NULL,
     "lists erased subjects by random id only, so that restored backups erase them again "
     "(P-AVL-1); kept as proof of erasure"},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Backups hold copies of erased people: every erasure is recorded in the
 * ledger that a restore replays (P-AVL-1, P-DSR-3). */
const struct module backup_module = {
    .name = "backup",
    .columns = backup_catalog,
    .tables = backup_catalog_tables,
    .privacy = {.erase_tx = erasure_ledger_record},
};
