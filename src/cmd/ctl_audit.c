/* irisctl audit verify|export: see ctl_commands.h and docs/audit.md. */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "crypto/keys.h"
#include "privacy/audit.h"

#include <stdio.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: irisctl audit verify [--tenant T] | export --tenant T\n"
	                "T is a tenant name or id.\n");
	return 2;
}

int ctl_audit(struct ctl *ctl, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"tenant", 't', true, 't'}, {0}};
	const char *tenant = NULL;
	char tenant_id[IDS_UUID_LEN];
	struct ctl_context cx;
	struct cli_opts p;
	unsigned char pub[32];
	int c, rc = 1;
	ctl_opts_init(&p, opts, argc, argv, 1);
	while ((c = ctl_opts_next(ctl, &p)) != CLI_OPTS_END) {
		if (c != 't')
			return usage();
		tenant = p.value;
	}
	bool verify = p.n_operands == 1 && strcmp(p.operands[0], "verify") == 0;
	bool export = p.n_operands == 1 && strcmp(p.operands[0], "export") == 0 && tenant != NULL;
	if (!verify && !export)
		return usage();
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	if (tenant != NULL && ctl_tenant_resolve(&cx, tenant, tenant_id) < 0) {
		ctl_context_close(&cx);
		return 1;
	}
	if (export) {
		rc = audit_export(cx.st, tenant_id, 0, stdout) == 0 ? 0 : 1;
	} else if (keys_sign_public(cx.app.keys, cx.st, pub) < 0) {
		fprintf(stderr, "irisctl: no signing key (no audit entry yet?)\n");
	} else {
		rc = audit_cli_verify(cx.st, pub, tenant != NULL ? tenant_id : NULL, stdout) == 0
		         ? 0
		         : 1;
	}
	ctl_context_close(&cx);
	return rc;
}
