/* Catalog entries of the outbox (migration 005) and installation facts (001). */
#include "core/module.h"
#include "domain/mail_catalog.h"

#define OUTBOX_PURPOSE "service e-mail (confirmation, notices)"
#define OUTBOX_BASIS "GDPR Art. 6(1)(b) contract"

const struct catalog_column mail_catalog[] = {
    {"mail_outbox", "id", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "random UUIDv4 of the queued mail"},
    {"mail_outbox", "tenant_id", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "tenant the recipient belongs to"},
    {"mail_outbox", "subject_id", true, false, "dpv-pd:Identifier", "end user", OUTBOX_PURPOSE,
     OUTBOX_BASIS, "until the recipient's erasure", 0, ERASE_DELETE, EXPORT_NONE, NULL},
    {"mail_outbox", "kind", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "label of the mail template, no content"},
    {"mail_outbox", "rcpt_sealed", true, true, "dpv-pd:EmailAddress", "end user", OUTBOX_PURPOSE,
     OUTBOX_BASIS, "until delivered (then set to NULL)", 0, ERASE_SHRED, EXPORT_NONE, NULL},
    {"mail_outbox", "message_sealed", true, true, "dpv-pd:Communication", "end user",
     OUTBOX_PURPOSE, OUTBOX_BASIS, "until delivered (then set to NULL)", 0, ERASE_SHRED,
     EXPORT_NONE, NULL},
    {"mail_outbox", "status", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "delivery state"},
    {"mail_outbox", "attempts", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "delivery attempts"},
    {"mail_outbox", "created_at", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "queue time"},
    {"mail_outbox", "next_attempt_at", false, false, NULL, NULL, NULL, NULL, NULL, 0,
     ERASE_NOT_PERSONAL, EXPORT_NONE, "retry schedule"},
    {"mail_outbox", "sent_at", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "delivery time"},
    {"mail_outbox", "last_error", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "SMTP error text of the relay, no content"},
    {"install_meta", "name", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "name of an installation fact"},
    {"install_meta", "value", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, "installation fact (versions, flags), never personal"},
    {0},
};

const struct catalog_table mail_catalog_tables[] = {
    {"mail_outbox", "subject_id", "tenant_id", "id", NULL},
    {0},
};

const struct module mail_module = {
    .name = "mail",
    .columns = mail_catalog,
    .tables = mail_catalog_tables,
};
