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

struct find_tenant {
	const char *name;
	char id[IDS_UUID_LEN];
};

static void match_tenant(const struct tenant *t, void *ctx)
{
	struct find_tenant *f = ctx;
	if (strcmp(t->name, f->name) == 0)
		memcpy(f->id, t->id, sizeof(f->id));
}

/* The tenant named name, created when missing. */
static int bench_tenant(struct ctl_context *cx, const struct actor *actor, const char *name,
			char id_r[IDS_UUID_LEN])
{
	struct find_tenant f = {name, ""};
	const char *error = NULL;
	if (tenants_list(cx->st, match_tenant, &f) < 0)
		return -1;
	if (f.id[0] != '\0') {
		memcpy(id_r, f.id, IDS_UUID_LEN);
		return 0;
	}
	if (tenants_create(&cx->app, cx->st, actor, name, id_r, &error) < 0) {
		fprintf(stderr, "irisctl: bench tenant not created: %s\n", error);
		return -1;
	}
	return 0;
}

/* Reads one line (the password) from stdin without its newline. */
static char *read_password(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

int ctl_bench_accounts(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	struct actor actor;
	char tenant_id[IDS_UUID_LEN], username[ACCOUNTS_USERNAME_MAX + 1], id[IDS_UUID_LEN];
	char one_time[64];
	const char *error = NULL;
	char *end = NULL;
	if (argc != 4) {
		fprintf(stderr, "usage: irisctl bench-accounts PREFIX COUNT DOMAIN < password\n");
		return 2;
	}
	errno = 0;
	long count = strtol(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || count < 1 || count > 1000000) {
		fprintf(stderr, "irisctl: COUNT must be 1..1000000\n");
		return 2;
	}
	char *password = read_password();
	if (password == NULL || !accounts_password_valid(password)) {
		fprintf(stderr, "irisctl: a valid password (8..1024 bytes) is read from stdin\n");
		free(password);
		return 2;
	}
	ctl->create = true; /* a benchmark starts from an empty directory */
	if (ctl_context_open(ctl, &cx) < 0) {
		secret_free(password, strlen(password));
		return 1;
	}
	actor_system(&actor, "operator-cli");
	char *tenant_name = xasprintf("bench-%s", argv[1]);
	int rc = bench_tenant(&cx, &actor, tenant_name, tenant_id) < 0 ? 1 : 0;
	for (long i = 0; rc == 0 && i < count; i++) {
		struct account_new in = {
			.tenant_id = tenant_id, .username = username, .password = password,
			.role = ROLE_USER, .status = "active",
		};
		snprintf(username, sizeof(username), "%s%ld", argv[1], i);
		if (accounts_create(&cx.app, cx.st, &actor, &in, id, one_time, &error) < 0 &&
		    strcmp(error, "username_taken") != 0) {
			fprintf(stderr, "irisctl: %s: %s\n", username, error);
			rc = 1;
		}
	}
	if (rc == 0)
		printf("%ld accounts %s0..%s%ld@%s in tenant %s\n", count, argv[1], argv[1],
		       count - 1, argv[3], tenant_name);
	free(tenant_name);
	secret_free(password, strlen(password));
	ctl_context_close(&cx);
	return rc;
}
