/*
 * irisctl register|tom|breach|subprocessor: the processor's registers from
 * the data directory (privacy/register.h, tom.h, breach.h, subprocessors.h).
 *   irisctl register --tenant T [--html]    Art. 30(2) record (P-REG-1)
 *   irisctl tom --tenant T [--html]         verified TOM report (P-REG-2);
 *                                           exit 1 when a check failed
 *   irisctl breach list                     breach register (P-BRE-1)
 *   irisctl subprocessor list               sub-processor register (P-SUB-1)
 *   irisctl subprocessor add NAME ADDRESS PURPOSE DATA LOCATION
 */
#include "core/clock.h"
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "domain/accounts.h"
#include "compliance/breach.h"
#include "compliance/register.h"
#include "compliance/retention.h"
#include "compliance/subprocessors.h"
#include "compliance/tom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

/* Parses "--tenant T [--html]" (argv[1..], no operand). */
static int tenant_args(struct ctl *ctl, int argc, char **argv, const char **tenant_r, bool *html_r)
{
	static const struct cli_opt opts[] = {
	    {"tenant", 't', true, 't'}, {"html", 0, false, 'H'}, {0}};
	struct cli_opts p;
	int c;
	*tenant_r = NULL;
	*html_r = false;
	ctl_opts_init(&p, opts, argc, argv, 1);
	while ((c = ctl_opts_next(ctl, &p)) != CLI_OPTS_END) {
		if (c == 't')
			*tenant_r = p.value;
		else if (c == 'H')
			*html_r = true;
		else
			return -1;
	}
	return *tenant_r != NULL && p.n_operands == 0 ? 0 : -1;
}

static int report(struct ctl *ctl, int argc, char **argv, bool tom)
{
	struct ctl_context cx;
	const char *tenant;
	char tenant_id[IDS_UUID_LEN];
	bool html;
	int rc = 1;
	if (tenant_args(ctl, argc, argv, &tenant, &html) < 0) {
		fprintf(stderr, "usage: irisctl %s --tenant T [--html]   (T: tenant name or id)\n",
		        tom ? "tom" : "register");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	if (ctl_tenant_resolve(&cx, tenant, tenant_id) < 0) {
		ctl_context_close(&cx);
		return 1;
	}
	json_t *r = tom ? tom_report_json(&cx.app, cx.st, tenant_id, clock_action_now())
	                : register_ropa_json(&cx.app, cx.st, tenant_id);
	if (r == NULL) {
		fprintf(stderr, "irisctl: no report for tenant %s (database error)\n", tenant);
	} else {
		if (html) {
			char *page = tom ? tom_report_html(r) : register_ropa_html(r);
			fputs(page, stdout);
			free(page);
		} else {
			print_json(r);
		}
		rc = tom && !json_is_true(json_object_get(r, "ok")) ? 1 : 0;
		json_decref(r);
	}
	ctl_context_close(&cx);
	return rc;
}

int ctl_register(struct ctl *ctl, int argc, char **argv)
{
	return report(ctl, argc, argv, false);
}

int ctl_tom(struct ctl *ctl, int argc, char **argv)
{
	return report(ctl, argc, argv, true);
}

int ctl_breach(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	char **ops = NULL;
	int n = ctl_operands(ctl, argc, argv, &ops);
	if (n != 1 || strcmp(ops[0], "list") != 0) {
		fprintf(stderr, "usage: irisctl breach list\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	json_t *list = breach_list_json(cx.st, clock_action_now());
	print_json(list);
	json_decref(list);
	ctl_context_close(&cx);
	return 0;
}

int ctl_subprocessor(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	char **ops = NULL;
	int n = ctl_operands(ctl, argc, argv, &ops);
	bool list = n == 1 && strcmp(ops[0], "list") == 0;
	bool add = n == 6 && strcmp(ops[0], "add") == 0;
	int rc = 0;
	if (!list && !add) {
		fprintf(stderr, "usage: irisctl subprocessor list | subprocessor add NAME ADDRESS "
		                "PURPOSE DATA_SHARED LOCATION\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	if (list) {
		json_t *l = subprocessors_list_json(cx.st);
		print_json(l);
		json_decref(l);
	} else {
		struct subprocessor sp = {ops[1], ops[2], ops[3], ops[4], ops[5], NULL};
		struct actor actor;
		char id[37];
		const char *error = NULL;
		actor_system(&actor, "operator-cli");
		if (subprocessors_put(&cx.app, cx.st, &actor, NULL, &sp, id, &error) == 0) {
			printf("%s\n", id);
		} else {
			fprintf(stderr, "irisctl: not added: %s\n", error);
			rc = 1;
		}
	}
	ctl_context_close(&cx);
	return rc;
}

int ctl_registers_dispatch(struct ctl *ctl, const char *cmd, int argc, char **argv)
{
	if (strcmp(cmd, "register") == 0)
		return ctl_register(ctl, argc, argv);
	if (strcmp(cmd, "tom") == 0)
		return ctl_tom(ctl, argc, argv);
	if (strcmp(cmd, "breach") == 0)
		return ctl_breach(ctl, argc, argv);
	return ctl_subprocessor(ctl, argc, argv);
}
