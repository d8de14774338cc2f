/* cmd/ctl_context: what an irisctl command opens: settings, app, store. */
#ifndef IRIS_CMD_CTL_CONTEXT_H
#define IRIS_CMD_CTL_CONTEXT_H

#include "cmd/ctl_commands.h"
#include "core/config.h"
#include "domain/app.h"

struct ctl_context {
	struct config cfg;
	struct app app;
	struct store *st;
};

/* Loads settings and opens an existing data directory (never creates one).
 * Prints the reason and returns -1 on failure. */
int ctl_context_open(const struct ctl *ctl, struct ctl_context *cx);
void ctl_context_close(struct ctl_context *cx);

#endif
