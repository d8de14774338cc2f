/*
 * cmd/first_run: on the first start of a data directory, creates the first
 * operator and tenant admin, prints their one-time logins once on stdout and
 * writes them to <data_dir>/first-login.json (mode 0600). Later starts do
 * nothing.
 */
#ifndef IRIS_CMD_FIRST_RUN_H
#define IRIS_CMD_FIRST_RUN_H

struct app;

int first_run_bootstrap(struct app *app);

#endif
