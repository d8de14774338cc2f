/*
 * privacy/keys_catalog: catalog entries of the key tables (migration 002),
 * declared here in the privacy core (the catalog types sit above crypto).
 *
 * Keys are not personal data: a wrapped key reveals nothing about anyone.
 * But a subject_keys row exists because a person (or a conversation or
 * bubble of people) has sealed data, and subject_id is that person's opaque
 * id: the row relates to an identifiable person, so subject_id is declared
 * personal. The row is deleted when the subject
 * is erased (keys_subject_destroy), which is itself the crypto-shredding of
 * all of the subject's sealed values.
 */
#include "core/module.h"
#include "privacy/keys_catalog.h"

#include <stddef.h>

#define KEYS_PURPOSE "encryption of the subject's data at rest (crypto-shredding on erasure)"
#define KEYS_BASIS "GDPR Art. 6(1)(c) legal obligation (security of processing, Art. 32)"
#define KEYS_RETENTION "until the subject is erased or the tenant's contract ends"

#define TECH(table, column, why)                                                                   \
	{                                                                                          \
		table, column, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,  \
		    EXPORT_NONE, why                                                               \
	}

const struct catalog_column crypto_catalog[] = {
    TECH("tenant_keys", "tenant_id", "the organisation the key belongs to"),
    TECH("tenant_keys", "wrapped", "tenant key wrapped under the master key (AES-256-GCM)"),
    TECH("tenant_keys", "created_at", "time the organisation's key was made"),
    TECH("subject_keys", "tenant_id", "the organisation the subject belongs to"),
    {"subject_keys", "subject_id", true, false, "dpv-pd:Identifier",
     "end user, tenant admin, conversation or bubble members", KEYS_PURPOSE, KEYS_BASIS,
     KEYS_RETENTION, 0, ERASE_DELETE, EXPORT_NONE, NULL},
    TECH("subject_keys", "wrapped",
         "subject key wrapped under the tenant key; deleted with the row (crypto-shredding)"),
    TECH("subject_keys", "created_at",
         "time the key was made; about a person only through subject_id, deleted with it"),
    TECH("install_keys", "name", "name of an installation key (e.g. signing-ed25519)"),
    TECH("install_keys", "sealed", "installation private key sealed under the master key"),
    TECH("install_keys", "public", "public half of an installation key (for verifiers)"),
    {0},
};

const struct catalog_table crypto_catalog_tables[] = {
    {"subject_keys", "subject_id", "tenant_id", NULL, NULL},
    {0},
};

const struct module keys_module = {
    .name = "keys",
    .columns = crypto_catalog,
    .tables = crypto_catalog_tables,
};
