/*
 * core/cli_opts: the one option parser of every Iris command line (irisd,
 * irisctl and each of its commands, iris-contacts). GNU style:
 *
 *   - options may come anywhere among the operands:
 *     "clean IN -o OUT" is "clean -o OUT IN";
 *   - "--name value", "--name=value", "-x value", "-xvalue", and flags
 *     bundled as "-qv";
 *   - "--" ends the options (every later word is an operand); "-" alone is
 *     an operand (stdin/stdout by convention);
 *   - an unknown option, a missing value or a value given to a flag is an
 *     error, reported on stderr as "PROG: unknown option '--x'".
 *
 * Unlike getopt it keeps no global state (a command may parse again, as
 * irisctl's commands do after irisctl's own options) and it never guesses
 * abbreviations of long names.
 */
#ifndef IRIS_CORE_CLI_OPTS_H
#define IRIS_CORE_CLI_OPTS_H

#include <stdbool.h>

/* One option; a table ends with a zero entry (name NULL and letter 0). */
struct cli_opt {
	const char *name; /* long name without "--", or NULL */
	int letter;       /* short name "-x", or 0 */
	bool has_value;
	int id; /* returned by cli_opts_next(); > 0 */
};

#define CLI_OPTS_END 0
#define CLI_OPTS_ERROR (-1)
#define CLI_OPTS_TABLES 2

struct cli_opts {
	const char *prog;                              /* prefix of the error messages */
	const struct cli_opt *tables[CLI_OPTS_TABLES]; /* searched in order; NULL: none */
	bool stop_at_operand; /* stop at the first operand (a command word) */
	/* Set by cli_opts_next(): */
	const char *value; /* value of the option just returned */
	char **operands;   /* after CLI_OPTS_END: the operands, in order */
	int n_operands;
	/* Internal. */
	int argc, next, first;
	char **argv;
	const char *bundle; /* rest of a "-abc" word */
	bool operands_only; /* after "--" */
	bool done;
};

/* Parses argv[first..argc). The operands are gathered at the front of
 * argv[first..] as the parse goes (argv is reordered, as GNU getopt does). */
void cli_opts_init(struct cli_opts *p, const char *prog, const struct cli_opt *table, int argc,
                   char **argv, int first);

/* The id of the next option (its value in p->value when it takes one),
 * CLI_OPTS_END when every word is read (p->operands, p->n_operands set), or
 * CLI_OPTS_ERROR after printing why on stderr. With stop_at_operand the
 * parse ends at the first operand: p->operands is then the rest of argv
 * from that word, untouched. */
int cli_opts_next(struct cli_opts *p);

#endif
