/*
 * irisctl: the operator's command-line tool. It works on the server host,
 * directly on the data directory (like prosodyctl), beside a running irisd:
 * SQLite in WAL mode lets both work at once.
 *
 *   irisctl [--data DIR] [--config FILE] COMMAND ...
 *   irisctl audit verify [--tenant T]     prove the audit chains intact
 *   irisctl audit export --tenant T       audit extract as JSON lines
 *   irisctl tenant create NAME | tenant list
 *   irisctl account create --tenant T --username U [--email E] [--role R]
 *                          [--password-stdin]
 *   irisctl contacts clean|dedupe|merge|undo ...   (contact hygiene, on files)
 *   irisctl settings                       settings reference (Markdown)
 */
#include "cmd/ctl_commands.h"
#include "cmd/version.h"
#include "core/config.h"
#include "core/log.h"
#include "contacts/contacts_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: irisctl [--data DIR] [--config FILE] COMMAND ...\n"
	        "       irisctl --version | --help\n"
	        "Settings: --config FILE, else the file the last irisd on DIR was started\n"
	        "with, else /etc/iris/irisd.ini when it exists. Options may follow the\n"
	        "command's words; \"--\" ends them; unknown ones are refused (exit 2).\n"
	        "T is a tenant name or id. irisctl works beside a running irisd.\n"
	        "commands:\n"
	        "  audit verify [--tenant T]    verify the hash chains and signed checkpoints\n"
	        "  audit export --tenant T      write a tenant's audit extract (JSON lines)\n"
	        "  tenant create NAME           create a tenant and print its id\n"
	        "  tenant list                  list tenants\n"
	        "  account create --tenant T --username U [--email E] [--role "
	        "user|tenant_admin|auditor]\n"
	        "                 [--first-name F] [--last-name L] [--password-stdin]\n"
	        "  contacts clean|dedupe|merge|undo ...   contact hygiene on files\n"
	        "  dsr report|export|erase|deletion-log|requests|answer ...   data-subject rights\n"
	        "  backup FILE                  encrypted, consistent backup (docs/backup.md)\n"
	        "  restore FILE --data NEWDIR --key KEY (--replay-from OLD | --ledger F | "
	        "--no-replay)\n"
	        "  erasure-ledger export FILE   the erased subjects, for restores\n"
	        "  directory reindex            rebuild the directory's blind indexes\n"
	        "  register|tom --tenant T [--html]   Art. 30 record, verified TOM report\n"
	        "  breach list | subprocessor list|add ...   processor registers\n"
	        "  bench-accounts PREFIX COUNT DOMAIN < password   accounts for benchmarks\n"
	        "  settings                     print the settings reference\n");
}

int main(int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"data", 'd', true, 'd'},
	    {"config", 'c', true, 'c'},
	    {"help", 'h', false, 'h'},
	    {"version", 'V', false, 'V'},
	    {0},
	};
	struct ctl ctl = {0};
	struct cli_opts p;
	int c;
	umask(077); /* every file irisctl makes is the operator's alone */
	log_init(LOG_LEVEL_WARN, NULL);
	/* irisctl's own options come before the command; the command parses
	 * the rest (options anywhere there, see ctl_opts_init). */
	cli_opts_init(&p, "irisctl", opts, argc, argv, 1);
	p.stop_at_operand = true;
	while ((c = cli_opts_next(&p)) != CLI_OPTS_END) {
		switch (c) {
		case 'd':
			ctl.data_dir = p.value;
			break;
		case 'c':
			ctl.config_path = p.value;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("irisctl %s\n", IRIS_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (p.n_operands == 0) {
		usage(stderr);
		return 2;
	}
	const char *cmd = p.operands[0];
	int sub_argc = p.n_operands;
	char **sub_argv = p.operands;
	if (strcmp(cmd, "contacts") == 0)
		return contacts_cli_main(sub_argc, sub_argv);
	if (strcmp(cmd, "settings") == 0) {
		config_write_reference(stdout);
		return 0;
	}
	if (strcmp(cmd, "backup") == 0 || strcmp(cmd, "restore") == 0 ||
	    strcmp(cmd, "erasure-ledger") == 0 || strcmp(cmd, "directory") == 0)
		return ctl_backup(&ctl, sub_argc, sub_argv);
	if (strcmp(cmd, "bench-accounts") == 0)
		return ctl_bench_accounts(&ctl, sub_argc, sub_argv);
	if (strcmp(cmd, "audit") == 0)
		return ctl_audit(&ctl, sub_argc, sub_argv);
	if (strcmp(cmd, "tenant") == 0)
		return ctl_tenant(&ctl, sub_argc, sub_argv);
	if (strcmp(cmd, "account") == 0)
		return ctl_account(&ctl, sub_argc, sub_argv);
	if (strcmp(cmd, "dsr") == 0)
		return ctl_dsr(&ctl, sub_argc, sub_argv);
	if (strcmp(cmd, "register") == 0 || strcmp(cmd, "tom") == 0 || strcmp(cmd, "breach") == 0 ||
	    strcmp(cmd, "subprocessor") == 0)
		return ctl_registers_dispatch(&ctl, cmd, sub_argc, sub_argv);
	fprintf(stderr, "irisctl: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
