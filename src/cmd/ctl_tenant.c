/* irisctl tenant create|list and account create: see ctl_commands.h. */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "domain/accounts.h"
#include "domain/tenants.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void print_tenant(const struct tenant *t, void *ctx)
{
	(void)ctx;
	printf("%s\t%s\t%s\n", t->id, t->plan, t->name);
}

int ctl_tenant(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	struct actor actor;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	int rc = 1;
	bool create = argc == 3 && strcmp(argv[1], "create") == 0;
	bool list = argc == 2 && strcmp(argv[1], "list") == 0;
	if (!create && !list) {
		fprintf(stderr, "usage: irisctl tenant create NAME | tenant list\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	actor_system(&actor, "operator-cli");
	if (create) {
		if (tenants_create(&cx.app, cx.st, &actor, argv[2], id, &error) == 0) {
			printf("%s\n", id);
			rc = 0;
		} else {
			fprintf(stderr, "irisctl: tenant not created: %s\n", error);
		}
	} else {
		rc = tenants_list(cx.st, print_tenant, NULL) == 0 ? 0 : 1;
	}
	ctl_context_close(&cx);
	return rc;
}

struct account_args {
	struct account_new in;
	const char *role;
};

static int parse_account_args(int argc, char **argv, struct account_args *a)
{
	static const struct option opts[] = {
		{"tenant", required_argument, NULL, 't'}, {"username", required_argument, NULL, 'u'},
		{"email", required_argument, NULL, 'e'},  {"role", required_argument, NULL, 'r'},
		{"first-name", required_argument, NULL, 'f'},
		{"last-name", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	int c;
	memset(a, 0, sizeof(*a));
	a->role = "user";
	while ((c = getopt_long(argc, argv, "t:u:e:r:f:l:", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->in.tenant_id = optarg; break;
		case 'u': a->in.username = optarg; break;
		case 'e': a->in.email = optarg; break;
		case 'r': a->role = optarg; break;
		case 'f': a->in.first_name = optarg; break;
		case 'l': a->in.last_name = optarg; break;
		default: return -1;
		}
	}
	if (optind != argc || a->in.tenant_id == NULL || a->in.username == NULL ||
	    account_role_parse(a->role, &a->in.role) < 0)
		return -1;
	a->in.status = "active";
	a->in.must_change_password = true;
	return 0;
}

int ctl_account(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	struct account_args a;
	struct actor actor;
	char id[IDS_UUID_LEN], password[64];
	const char *error = NULL;
	int rc = 1;
	if (argc < 2 || strcmp(argv[1], "create") != 0 ||
	    parse_account_args(argc - 1, argv + 1, &a) < 0) {
		fprintf(stderr, "usage: irisctl account create --tenant T --username U "
				"[--email E] [--role user|tenant_admin|auditor]\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	actor_system(&actor, "operator-cli");
	if (accounts_create(&cx.app, cx.st, &actor, &a.in, id, password, &error) == 0) {
		printf("id: %s\none-time password: %s\n", id, password);
		rc = 0;
	} else {
		fprintf(stderr, "irisctl: account not created: %s\n", error);
	}
	memset(password, 0, sizeof(password));
	ctl_context_close(&cx);
	return rc;
}
