/*
 * irisctl dsr: data-subject rights from the server host (docs/privacy-centre.md).
 *   irisctl dsr report --user U [--html]      access report (JSON or HTML) on stdout
 *   irisctl dsr export --user U --out FILE    export archive (ustar)
 *   irisctl dsr erase --user U                erase the account (operator instruction)
 *   irisctl dsr deletion-log --tenant T|-     a tenant's deletion log ("-": no tenant)
 *   irisctl dsr requests [--tenant T|-]       requests with due dates ("-", the default:
 *                                             the operator's queue, accounts without a tenant)
 *   irisctl dsr answer --request R --answer-stdin
 *                                             the operator answers one of those; the answer
 *                                             (personal data) is read from standard input,
 *                                             never argv (process list, shell history)
 */
#include "cmd/ctl_commands.h"
#include "cmd/ctl_context.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "privacy/deletion_log.h"
#include "privacy/dsr.h"
#include "compliance/dsr_requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: irisctl dsr report --user U [--html]\n"
	                "       irisctl dsr export --user U --out FILE\n"
	                "       irisctl dsr erase --user U\n"
	                "       irisctl dsr deletion-log --tenant T|-\n"
	                "       irisctl dsr requests [--tenant T|-]\n"
	                "       irisctl dsr answer --request R --answer-stdin < FILE\n");
	return 2;
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	if (s == NULL)
		return 1;
	puts(s);
	free(s);
	return 0;
}

static void add_deletion_request(const struct deletion_request *r, void *ctx)
{
	json_array_append_new(
	    ctx, json_pack("{s:s, s:o, s:s, s:I, s:I, s:b}", "id", r->id, "account_id",
	                   r->account_id[0] ? json_string(r->account_id) : json_null(), "status",
	                   r->status, "created_at", (json_int_t)r->created_at, "due_at",
	                   (json_int_t)r->due_at, "overdue", r->overdue));
}

/* The requests of a tenant ("-" or NULL: the operator's queue) with their
 * due dates: data-subject requests (P-DSR-7) and deletion requests (P-ACC-2). */
static int requests(struct ctl_context *cx, struct dsr_ctx *d, const char *tenant)
{
	char tid[IDS_UUID_LEN] = "";
	json_t *priv = NULL, *del = json_array();
	if (ctl_tenant_resolve_or_none(cx, tenant, tid) < 0 ||
	    dsr_request_list(d, tid, NULL, &priv) < 0 ||
	    accounts_deletion_requests_list(d->st, tid, add_deletion_request, del) < 0) {
		json_decref(priv);
		json_decref(del);
		return 1;
	}
	return print_json(
	    json_pack("{s:o, s:o}", "privacy_requests", priv, "deletion_requests", del));
}

/* Answers a request of the operator's queue only: for a tenant's members
 * the tenant is the controller and Iris does not answer (P-DSR-7). */
static int answer(struct dsr_ctx *d, const char *request_id, const char *text)
{
	struct dsr_actor op = {"operator-cli", "operator"};
	const char *error = "not_found";
	if (!ids_is_uuid4(request_id) ||
	    dsr_request_answer(d, &op, "", request_id, text, &error) < 0) {
		fprintf(stderr, "irisctl: not answered: %s\n", error);
		return 1;
	}
	printf("answered\n");
	return 0;
}

/* irisctl dsr answer --request R --answer-stdin: the answer is personal
 * data, so it comes from standard input (all of it, several lines allowed),
 * read before the database is opened and wiped after. */
static int answer_from_stdin(struct ctl *ctl, const char *request_id)
{
	/* room for the longest answer and its line end ("\r\n") */
	size_t cap = DSR_REQUEST_TEXT_MAX + 3;
	char *text = xmalloc(cap);
	int rc = 1, len = ctl_read_stdin_text(text, cap);
	struct ctl_context cx;
	if (len <= 0 || len > DSR_REQUEST_TEXT_MAX) {
		fprintf(stderr,
		        "irisctl: --answer-stdin: no answer on standard input (or longer than %d "
		        "bytes)\n",
		        DSR_REQUEST_TEXT_MAX);
	} else if (ctl_context_open(ctl, &cx) == 0) {
		struct dsr_ctx d = {cx.app.keys, cx.st, (unsigned)cx.cfg.audit_checkpoint_every};
		rc = answer(&d, request_id, text);
		ctl_context_close(&cx);
	}
	secret_free(text, cap);
	return rc;
}

static int run(struct ctl_context *cx, const char *cmd, const char *user, const char *tenant,
               const char *out, bool html)
{
	struct dsr_ctx d = {cx->app.keys, cx->st, (unsigned)cx->cfg.audit_checkpoint_every};
	struct account acc;
	const char *error = NULL;
	if (strcmp(cmd, "deletion-log") == 0) {
		json_t *list;
		char tenant_id[IDS_UUID_LEN] = "";
		if (ctl_tenant_resolve_or_none(cx, tenant, tenant_id) < 0)
			return 1;
		if (deletion_log_list(&d, tenant_id, &list) < 0)
			return 1;
		return print_json(list);
	}
	if (strcmp(cmd, "requests") == 0)
		return requests(cx, &d, tenant);
	if (accounts_get_by_username(cx->st, user, &acc, &error) < 0) {
		fprintf(stderr, "irisctl: no account '%s'\n", user);
		return 1;
	}
	if (strcmp(cmd, "report") == 0) {
		json_t *r;
		if (dsr_report(&d, acc.tenant_id, acc.id, &r) < 0)
			return 1;
		if (!html)
			return print_json(r);
		char *page = dsr_report_html(r);
		json_decref(r);
		fputs(page, stdout);
		free(page);
		return 0;
	}
	if (strcmp(cmd, "export") == 0) {
		unsigned char *tar = NULL;
		size_t len = 0;
		FILE *f = NULL;
		int rc = 1;
		if (dsr_export(&d, acc.tenant_id, acc.id, &tar, &len) < 0)
			return 1;
		if ((f = fopen(out, "wx")) == NULL || fwrite(tar, 1, len, f) != len)
			fprintf(stderr, "irisctl: cannot write %s (exists already?)\n", out);
		else
			rc = 0;
		if (f != NULL && fclose(f) != 0)
			rc = 1;
		secret_free(tar, len);
		return rc;
	}
	struct actor op;
	actor_system(&op, "operator-cli");
	if (accounts_erase(&cx->app, cx->st, &op, acc.id, &error) < 0) {
		fprintf(stderr, "irisctl: not erased: %s\n", error);
		return 1;
	}
	printf("erased\n");
	return 0;
}

int ctl_dsr(struct ctl *ctl, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"user", 'u', true, 'u'},
	    {"tenant", 't', true, 't'},
	    {"out", 'o', true, 'o'},
	    {"html", 0, false, 'H'},
	    {"request", 0, true, 'R'},
	    {"answer-stdin", 0, false, 'A'},
	    {0},
	};
	struct cli_opts p;
	const char *user = NULL, *tenant = NULL, *out = NULL, *request = NULL;
	bool html = false, answer_stdin = false;
	int c;
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	ctl_opts_init(&p, opts, argc, argv, 2);
	while ((c = ctl_opts_next(ctl, &p)) != CLI_OPTS_END) {
		switch (c) {
		case 'u':
			user = p.value;
			break;
		case 't':
			tenant = p.value;
			break;
		case 'o':
			out = p.value;
			break;
		case 'H':
			html = true;
			break;
		case 'R':
			request = p.value;
			break;
		case 'A':
			answer_stdin = true;
			break;
		default:
			return usage();
		}
	}
	bool ok = p.n_operands == 0 &&
	          ((strcmp(cmd, "deletion-log") == 0 && tenant != NULL) ||
	           (strcmp(cmd, "report") == 0 && user != NULL) ||
	           (strcmp(cmd, "export") == 0 && user != NULL && out != NULL) ||
	           (strcmp(cmd, "erase") == 0 && user != NULL) || strcmp(cmd, "requests") == 0 ||
	           (strcmp(cmd, "answer") == 0 && request != NULL && answer_stdin));
	if (!ok)
		return usage();
	if (strcmp(cmd, "answer") == 0)
		return answer_from_stdin(ctl, request);
	struct ctl_context cx;
	if (ctl_context_open(ctl, &cx) < 0)
		return 1;
	int rc = run(&cx, cmd, user, tenant, out, html);
	ctl_context_close(&cx);
	return rc;
}
