/* cmd/first_run: see first_run.h. */
#include "cmd/first_run.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/app.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first tenant admin has no e-mail address: without one, breach
 * notices (P-BRE-1) and data-protection requests cannot reach the tenant. */
#define FIRST_RUN_EMAIL_HINT                                                                       \
	"the tenant admin has no e-mail address yet, so breach notices and "                       \
	"data-protection requests cannot reach the organisation: after the first login set "       \
	"one with PATCH /api/v1/tenants/<tenant id>/members/<your id from GET /api/v1/me> "        \
	"{\"email\": \"you@example.org\"}"

/* Writes the logins as JSON to a new file with mode 0600 (O_EXCL: never
 * through a pre-placed link). */
static int write_login_file(const char *path, const struct accounts_bootstrap_result *r)
{
	json_t *doc = json_pack("{s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s,s:n,s:s}}", "operator",
	                        "username", r->operator_username, "password", r->operator_password,
	                        "tenant", "id", r->tenant_id, "name", r->tenant_name,
	                        "tenant_admin", "username", r->admin_username, "password",
	                        r->admin_password, "email", "email_needed", FIRST_RUN_EMAIL_HINT);
	char *text = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	int ret = -1;
	json_decref(doc);
	if (text == NULL)
		return -1;
	(void)unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		size_t len = strlen(text);
		ret = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 ? 0 : -1;
		if (close(fd) < 0)
			ret = -1;
	}
	secret_free(text, strlen(text));
	return ret;
}

int first_run_bootstrap(struct app *app)
{
	struct accounts_bootstrap_result r;
	memset(&r, 0, sizeof(r));
	if (accounts_bootstrap(app, app_thread_store(app), &r) < 0) {
		log_error("event=bootstrap_failed");
		return -1;
	}
	if (!r.created)
		return 0;
	char *path = xasprintf("%s/first-login.json", app->data_dir);
	int rc = write_login_file(path, &r);
	if (rc < 0)
		log_error("event=first_login_file_failed errno=%d", errno);
	printf("\nIris is set up. One-time logins (change them at first login; also in %s):\n"
	       "  URL:          %s\n"
	       "  operator:     %s / %s\n"
	       "  tenant:       %s (%s)\n"
	       "  tenant admin: %s / %s\n"
	       "  Note: %s.\n\n",
	       path, app->public_url, r.operator_username, r.operator_password, r.tenant_name,
	       r.tenant_id, r.admin_username, r.admin_password, FIRST_RUN_EMAIL_HINT);
	fflush(stdout);
	log_info("event=bootstrap_done");
	free(path);
	accounts_bootstrap_result_wipe(&r);
	return rc;
}
