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
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "domain/accounts.h"
#include "privacy/breach.h"
#include "privacy/register.h"
#include "privacy/retention.h"
#include "privacy/subprocessors.h"
#include "privacy/tom.h"

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

/* Parses "--tenant T [--html]" from argv[1..]. */
static int tenant_args(int argc, char **argv, const char **tenant_r, bool *html_r)
{
	*tenant_r = NULL;
	*html_r = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc)
			*tenant_r = argv[++i];
		else if (strcmp(argv[i], "--html") == 0)
			*html_r = true;
		else
			return -1;
	}
	return *tenant_r != NULL ? 0 : -1;
}

static int report(struct ctl *ctl, int argc, char **argv, bool tom)
{
	struct ctl_context cx;
	const char *tenant;
	bool html;
	int rc = 1;
	if (tenant_args(argc, argv, &tenant, &html) < 0) {
		fprintf(stderr, "usage: irisctl %s --tenant T [--html]\n", tom ? "tom" : "register");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	json_t *r = tom ? tom_report_json(&cx.app, cx.st, tenant, privacy_clock_now())
	                : register_ropa_json(&cx.app, cx.st, tenant);
	if (r == NULL) {
		fprintf(stderr, "irisctl: no tenant %s\n", tenant);
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
	if (argc != 2 || strcmp(argv[1], "list") != 0) {
		fprintf(stderr, "usage: irisctl breach list\n");
		return 2;
	}
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	json_t *list = breach_list_json(cx.st, privacy_clock_now());
	print_json(list);
	json_decref(list);
	ctl_context_close(&cx);
	return 0;
}

int ctl_subprocessor(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_context cx;
	bool list = argc == 2 && strcmp(argv[1], "list") == 0;
	bool add = argc == 7 && strcmp(argv[1], "add") == 0;
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
		struct subprocessor sp = {argv[2], argv[3], argv[4], argv[5], argv[6], NULL};
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
