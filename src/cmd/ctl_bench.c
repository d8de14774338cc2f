/*
 * irisctl bench-accounts PREFIX COUNT DOMAIN: creates PREFIX0..PREFIX<COUNT-1>
 * in a tenant of their own ("bench-PREFIX"), all with the password read from
 * standard input, active and usable at once. For benchmarks (bench/xmpp) only:
 * they get no e-mail, no profile, and the usual audit entries.
 */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/tenants.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tenant named name, created when missing. */
static int bench_tenant(struct ctl_context *cx, const struct actor *actor, const char *name,
                        char id_r[IDS_UUID_LEN])
{
	const char *error = NULL;
	int found = ctl_tenant_find(cx, name, id_r);
	if (found <= 0)
		return found;
	if (tenants_create(&cx->app, cx->st, actor, name, id_r, &error) < 0) {
		fprintf(stderr, "irisctl: bench tenant not created: %s\n", error);
		return -1;
	}
	return 0;
}

int ctl_bench_accounts(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	struct actor actor;
	char tenant_id[IDS_UUID_LEN], username[ACCOUNTS_USERNAME_MAX + 1], id[IDS_UUID_LEN];
	char one_time[64], password[1026];
	const char *error = NULL;
	char *end = NULL;
	char **ops = NULL;
	if (ctl_operands(ctl, argc, argv, &ops) != 3) {
		fprintf(stderr, "usage: irisctl bench-accounts PREFIX COUNT DOMAIN < password\n");
		return 2;
	}
	errno = 0;
	long count = strtol(ops[1], &end, 10);
	if (errno != 0 || *end != '\0' || count < 1 || count > 1000000) {
		fprintf(stderr, "irisctl: COUNT must be 1..1000000\n");
		return 2;
	}
	if (ctl_read_secret_line(password, sizeof(password)) < 0 ||
	    !accounts_password_valid(password)) {
		fprintf(stderr, "irisctl: a valid password (8..1024 bytes) is read from stdin\n");
		secret_wipe(password, sizeof(password));
		return 2;
	}
	ctl->create = true; /* a benchmark starts from an empty directory */
	if (ctl_context_open(ctl, &cx) < 0) {
		secret_wipe(password, sizeof(password));
		return 1;
	}
	actor_system(&actor, "operator-cli");
	char *tenant_name = xasprintf("bench-%s", ops[0]);
	int rc = bench_tenant(&cx, &actor, tenant_name, tenant_id) < 0 ? 1 : 0;
	for (long i = 0; rc == 0 && i < count; i++) {
		struct account_new in = {
		    .tenant_id = tenant_id,
		    .username = username,
		    .password = password,
		    .role = ROLE_USER,
		    .status = "active",
		};
		snprintf(username, sizeof(username), "%s%ld", ops[0], i);
		if (accounts_create(&cx.app, cx.st, &actor, &in, id, one_time, &error) < 0 &&
		    strcmp(error, "username_taken") != 0) {
			fprintf(stderr, "irisctl: %s: %s\n", username, error);
			rc = 1;
		}
	}
	if (rc == 0)
		printf("%ld accounts %s0..%s%ld@%s in tenant %s\n", count, ops[0], ops[0],
		       count - 1, ops[2], tenant_name);
	free(tenant_name);
	secret_wipe(password, sizeof(password));
	ctl_context_close(&cx);
	return rc;
}
