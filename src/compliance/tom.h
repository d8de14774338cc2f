/*
 * privacy/tom: the technical and organisational measures report (P-REG-2),
 * generated from the running system and verified by checks rather than
 * asserted:
 *   tls               handshakes with the own HTTPS listener: TLS 1.2 and
 *                     1.3 accepted, TLS 1.0 and 1.1 refused;
 *   sealing           every catalogued sealed column: sampled stored values
 *                     carry the sealed format (version byte 1, nonce, tag);
 *   password_hashing  SCRAM iteration count >= 4096, configured and stored;
 *   retention_jobs    retention.sweep ran successfully within 2 intervals;
 *   audit_chain       audit_verify of the tenant's chain;
 *   master_key_file   the key file is a regular file with mode 0600.
 * The report says plainly which checks failed.
 */
#ifndef IRIS_PRIVACY_TOM_H
#define IRIS_PRIVACY_TOM_H

#include <jansson.h>
#include <stdint.h>

struct app;
struct store;

#define TOM_RETENTION_INTERVAL_S 3600
#define TOM_SCRAM_MIN_ITERATIONS 4096

/* The report for tenant_id (its audit chain and accounts); tenant "" for
 * the installation. {tenant_id, generated_at, ok, checks: [{id, claim, ok,
 * detail}], failed: [ids], summary}. */
json_t *tom_report_json(struct app *app, struct store *st, const char *tenant_id, int64_t now);
/* HTML form of the report (malloc'd). */
char *tom_report_html(const json_t *report);

#endif
