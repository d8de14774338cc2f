/* irisctl audit verify|export: see ctl_commands.h and docs/audit.md. */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "crypto/keys.h"
#include "privacy/audit.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Parses "--tenant T"; returns 0, or 2 on a usage error. */
static int parse_tenant(int argc, char **argv, const char **tenant_r)
{
	static const struct option opts[] = {{"tenant", required_argument, NULL, 't'},
					     {NULL, 0, NULL, 0}};
	int c;
	*tenant_r = NULL;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return 2;
		*tenant_r = optarg;
	}
	return optind == argc ? 0 : 2;
}

int ctl_audit(struct ctl *ctl, int argc, char **argv)
{
	const char *tenant = NULL;
	struct ctl_context cx;
	unsigned char pub[32];
	int rc = 1;
	if (argc < 2 || parse_tenant(argc - 1, argv + 1, &tenant) != 0) {
		fprintf(stderr, "usage: irisctl audit verify [--tenant T] | export --tenant T\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	if (strcmp(argv[1], "verify") == 0) {
		if (keys_sign_public(cx.app.keys, cx.st, pub) < 0)
			fprintf(stderr, "irisctl: no signing key (no audit entry yet?)\n");
		else
			rc = audit_cli_verify(cx.st, pub, tenant, stdout) == 0 ? 0 : 1;
	} else if (strcmp(argv[1], "export") == 0 && tenant != NULL) {
		rc = audit_export(cx.st, tenant, 0, stdout) == 0 ? 0 : 1;
	} else {
		fprintf(stderr, "usage: irisctl audit verify [--tenant T] | export --tenant T\n");
		rc = 2;
	}
	ctl_context_close(&cx);
	return rc;
}
