/*
 * privacy/audit_cli: the human summary behind `irisctl audit verify`.
 * One line per chain; the exit code is what scripts look at.
 */
#include "privacy/audit.h"
#include "privacy/audit_internal.h"

#include <inttypes.h>

static void print_chain(FILE *out, const char *tenant_id, const struct audit_verify_report *r)
{
	if (*tenant_id == '\0')
		fprintf(out, "installation chain: ");
	else
		fprintf(out, "tenant %s: ", tenant_id);
	fprintf(out, "%" PRIu64 " entries, %" PRIu64 " checkpoints, ", r->entries, r->checkpoints);
	if (r->ok)
		fprintf(out, "chain intact\n");
	else
		fprintf(out, "BROKEN at seq %" PRId64 ": %s\n", r->first_bad_seq, r->reason);
}

/* Verifies one chain and prints its line; returns 0 intact, 1 broken, -1
 * when verification could not run. */
static int verify_chain(struct store *st, const unsigned char pub[32], const char *tenant_id,
                        FILE *out)
{
	struct audit_verify_report r;
	if (audit_verify(st, pub, tenant_id, &r) < 0) {
		fprintf(out, "%s%s: verification could not run (database error)\n",
		        *tenant_id == '\0' ? "installation chain" : "tenant ",
		        *tenant_id == '\0' ? "" : tenant_id);
		return -1;
	}
	print_chain(out, tenant_id, &r);
	return r.ok ? 0 : 1;
}

int audit_cli_verify(struct store *st, const unsigned char pub[32], const char *tenant_or_null,
                     FILE *out)
{
	char **tenants = NULL;
	size_t n = 0;
	int worst = 0;
	if (tenant_or_null != NULL)
		return verify_chain(st, pub, tenant_or_null, out);
	if (audit_tenants(st, &tenants, &n) < 0) {
		fprintf(out, "cannot list the audit chains (database error)\n");
		return -1;
	}
	if (n == 0)
		fprintf(out, "no audit entries yet\n");
	for (size_t i = 0; i < n; i++) {
		int rc = verify_chain(st, pub, tenants[i], out);
		if (rc < 0 || (rc > 0 && worst == 0))
			worst = rc;
	}
	audit_tenants_free(tenants, n);
	if (worst == 0 && n > 0)
		fprintf(out, "all %zu chains intact\n", n);
	return worst;
}
