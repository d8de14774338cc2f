/*
 * cmd/modules: the composition root. The one place that lists Iris's
 * features (src/cmd/modules.c, one line each); everything else walks the
 * registered modules (core/module.h).
 */
#ifndef IRIS_CMD_MODULES_H
#define IRIS_CMD_MODULES_H

struct app;
struct http_router;

/* Registers every module, then what is derived from them: the privacy
 * catalog and the retention declarations. Call once in main, before
 * app_init (whose migrations check the schema against the catalog). */
void iris_modules_register(void);
/* Registers every module's jobs (jobs_register); irisd, before its runner. */
void iris_modules_jobs(void);
/* Adds every module's REST routes. */
void iris_modules_routes(struct http_router *router, struct app *app);

#endif
