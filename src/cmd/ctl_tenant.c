/* irisctl tenant create|list and account create: see ctl_commands.h. */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/tenants.h"

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
	char **ops = NULL;
	int rc = 1, n = ctl_operands(ctl, argc, argv, &ops);
	bool create = n == 2 && strcmp(ops[0], "create") == 0;
	bool list = n == 1 && strcmp(ops[0], "list") == 0;
	if (!create && !list) {
		fprintf(stderr, "usage: irisctl tenant create NAME | tenant list\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	actor_system(&actor, "operator-cli");
	if (create) {
		if (tenants_create(&cx.app, cx.st, &actor, ops[1], id, &error) == 0) {
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
	const char *role, *tenant;
	bool password_stdin;
};

/* Parses "create --tenant T --username U ..." (argv[1..]). */
static int parse_account_args(struct ctl *ctl, int argc, char **argv, struct account_args *a)
{
	static const struct cli_opt opts[] = {
	    {"tenant", 't', true, 't'},        {"username", 'u', true, 'u'},
	    {"email", 'e', true, 'e'},         {"role", 'r', true, 'r'},
	    {"first-name", 'f', true, 'f'},    {"last-name", 'l', true, 'l'},
	    {"password-stdin", 0, false, 'P'}, {0},
	};
	struct cli_opts p;
	int c;
	memset(a, 0, sizeof(*a));
	a->role = "user";
	ctl_opts_init(&p, opts, argc, argv, 1);
	while ((c = ctl_opts_next(ctl, &p)) != CLI_OPTS_END) {
		switch (c) {
		case 't':
			a->tenant = p.value;
			break;
		case 'u':
			a->in.username = p.value;
			break;
		case 'e':
			a->in.email = p.value;
			break;
		case 'r':
			a->role = p.value;
			break;
		case 'f':
			a->in.first_name = p.value;
			break;
		case 'l':
			a->in.last_name = p.value;
			break;
		case 'P':
			a->password_stdin = true;
			break;
		default:
			return -1;
		}
	}
	if (p.n_operands != 1 || strcmp(p.operands[0], "create") != 0 || a->tenant == NULL ||
	    a->in.username == NULL || account_role_parse(a->role, &a->in.role) < 0)
		return -1;
	a->in.status = "active";
	/* a password the operator chose is not a one-time one */
	a->in.must_change_password = !a->password_stdin;
	return 0;
}

/* --password-stdin: one line of standard input, never argv. */
static int read_password(const struct account_args *a, char *buf, size_t cap)
{
	if (!a->password_stdin)
		return 0;
	if (ctl_read_secret_line(buf, cap) < 0) {
		fprintf(stderr,
		        "irisctl: --password-stdin: no password line on standard input "
		        "(or longer than %zu bytes)\n",
		        cap - 2);
		return -1;
	}
	return 0;
}

int ctl_account(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	struct account_args a;
	struct actor actor;
	char id[IDS_UUID_LEN], tenant_id[IDS_UUID_LEN], password[64], chosen[1026];
	const char *error = NULL;
	int rc = 1;
	if (parse_account_args(ctl, argc, argv, &a) < 0) {
		fprintf(stderr,
		        "usage: irisctl account create --tenant T --username U [--email E]\n"
		        "         [--role user|tenant_admin|auditor|operator] [--first-name F]\n"
		        "         [--last-name L] [--password-stdin]\n"
		        "T is a tenant name or id, or - for an account of the installation\n"
		        "(an operator). Without --password-stdin a one-time\n"
		        "password is printed (to be changed at first login).\n");
		return 2;
	}
	if (read_password(&a, chosen, sizeof(chosen)) < 0)
		return 1;
	if (ctl_context_open(ctl, &cx) < 0)
		goto wipe;
	actor_system(&actor, "operator-cli");
	a.in.password = a.password_stdin ? chosen : NULL;
	/* "-": an account of the installation (an operator, a freemium user) */
	if (ctl_tenant_resolve_or_none(&cx, a.tenant, tenant_id) < 0)
		goto close;
	a.in.tenant_id = tenant_id;
	if (accounts_create(&cx.app, cx.st, &actor, &a.in, id, password, &error) == 0) {
		if (a.password_stdin)
			printf("id: %s\n", id);
		else
			printf("id: %s\none-time password: %s\n", id, password);
		rc = 0;
	} else {
		fprintf(stderr, "irisctl: account not created: %s\n", error);
	}
close:
	ctl_context_close(&cx);
wipe:
	secret_wipe(password, sizeof(password));
	secret_wipe(chosen, sizeof(chosen));
	return rc;
}
