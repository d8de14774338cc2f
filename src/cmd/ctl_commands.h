/*
 * cmd/ctl_commands: irisctl's subcommands that work on the data directory.
 * Each returns the process exit status: 0 ok, 1 a check failed or the
 * operation was refused, 2 usage error.
 */
#ifndef IRIS_CMD_CTL_COMMANDS_H
#define IRIS_CMD_CTL_COMMANDS_H

#include <stdbool.h>

struct ctl {
	const char *data_dir;	 /* --data, else server.data_dir of the config */
	const char *config_path; /* --config */
	bool create;		 /* create the data directory when missing */
};

int ctl_audit(struct ctl *ctl, int argc, char **argv);
int ctl_backup(struct ctl *ctl, int argc, char **argv); /* backup, restore, erasure-ledger */
int ctl_tenant(struct ctl *ctl, int argc, char **argv);
int ctl_account(struct ctl *ctl, int argc, char **argv);
int ctl_bench_accounts(struct ctl *ctl, int argc, char **argv);
int ctl_dsr(struct ctl *ctl, int argc, char **argv);

int ctl_register(struct ctl *ctl, int argc, char **argv);
int ctl_tom(struct ctl *ctl, int argc, char **argv);
int ctl_breach(struct ctl *ctl, int argc, char **argv);
int ctl_subprocessor(struct ctl *ctl, int argc, char **argv);
int ctl_registers_dispatch(struct ctl *ctl, const char *cmd, int argc, char **argv);

#endif
