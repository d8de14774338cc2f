/* cmd/ctl_context: see ctl_context.h. */
#include "cmd/ctl_context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_context_open(const struct ctl *ctl, struct ctl_context *cx)
{
	char *error = NULL;
	const char *app_error = NULL;
	memset(cx, 0, sizeof(*cx));
	config_defaults(&cx->cfg);
	if ((ctl->config_path != NULL && config_load_file(&cx->cfg, ctl->config_path, &error) < 0) ||
	    (ctl->data_dir != NULL &&
	     config_set(&cx->cfg, "server.data_dir", ctl->data_dir, &error) < 0)) {
		fprintf(stderr, "irisctl: %s\n", error);
		free(error);
		config_free(&cx->cfg);
		return -1;
	}
	if (app_init(&cx->app, &cx->cfg, cx->cfg.data_dir, ctl->create, &app_error) < 0) {
		fprintf(stderr, "irisctl: %s: %s\n", cx->cfg.data_dir, app_error);
		app_deinit(&cx->app);
		config_free(&cx->cfg);
		return -1;
	}
	cx->st = app_thread_store(&cx->app);
	return 0;
}

void ctl_context_close(struct ctl_context *cx)
{
	app_deinit(&cx->app);
	config_free(&cx->cfg);
}
