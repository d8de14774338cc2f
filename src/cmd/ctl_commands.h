/*
 * cmd/ctl_commands: irisctl's subcommands that work on the data directory.
 * Each returns the process exit status: 0 ok, 1 a check failed or the
 * operation was refused, 2 usage error.
 */
#ifndef IRIS_CMD_CTL_COMMANDS_H
#define IRIS_CMD_CTL_COMMANDS_H

#include <stdbool.h>

#include "core/cli_opts.h"

struct ctl {
	const char *data_dir;    /* --data, else server.data_dir of the config */
	const char *config_path; /* --config */
	bool create;             /* create the data directory when missing */
};

/* Every command parses its words argv[first..] with core/cli_opts (options
 * anywhere, "--" ends them, unknown ones refused): its own table (may be
 * NULL) plus irisctl's --data DIR and --config FILE, applied to ctl.
 * ctl_opts_next() is cli_opts_next() without those two. */
void ctl_opts_init(struct cli_opts *p, const struct cli_opt *table, int argc, char **argv,
                   int first);
int ctl_opts_next(struct ctl *ctl, struct cli_opts *p);
/* For a command without options of its own: its operands (from argv[1]) in
 * *ops_r; returns their number, or -1 after an option error. */
int ctl_operands(struct ctl *ctl, int argc, char **argv, char ***ops_r);

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
