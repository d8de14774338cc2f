/* Unit tests for core/cli_opts: the option parser of every command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/cli_opts.h"

enum { O_OUT = 1, O_QUIET, O_JOURNAL, O_VERBOSE };

static const struct cli_opt table[] = {
    {"out", 'o', true, O_OUT},
    {"quiet", 'q', false, O_QUIET},
    {"journal", 0, true, O_JOURNAL},
    {NULL, 'v', false, O_VERBOSE},
    {0},
};

struct seen {
	const char *out, *journal;
	int quiet, verbose;
};

/* Parses argv from index 1; returns 0, or -1 on an error. */
static int parse(int argc, char **argv, struct seen *s, struct cli_opts *p)
{
	int id;
	memset(s, 0, sizeof(*s));
	cli_opts_init(p, "test", table, argc, argv, 1);
	while ((id = cli_opts_next(p)) != CLI_OPTS_END) {
		switch (id) {
		case O_OUT:
			s->out = p->value;
			break;
		case O_QUIET:
			s->quiet++;
			break;
		case O_JOURNAL:
			s->journal = p->value;
			break;
		case O_VERBOSE:
			s->verbose++;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* Options after the first operand count (the irisctl contacts bug). */
static void test_options_after_operands(void **state)
{
	char *argv[] = {"clean", "IN", "-o", "OUT", "--journal", "J", "-q", NULL};
	struct cli_opts p;
	struct seen s;
	assert_int_equal(parse(7, argv, &s, &p), 0);
	assert_string_equal(s.out, "OUT");
	assert_string_equal(s.journal, "J");
	assert_int_equal(s.quiet, 1);
	assert_int_equal(p.n_operands, 1);
	assert_string_equal(p.operands[0], "IN");
}

static void test_value_forms_and_bundles(void **state)
{
	char *argv[] = {"x", "--out=A", "A1", "-qv", "-oB", "--journal=", "A2", NULL};
	struct cli_opts p;
	struct seen s;
	assert_int_equal(parse(7, argv, &s, &p), 0);
	assert_string_equal(s.out, "B");
	assert_string_equal(s.journal, "");
	assert_int_equal(s.quiet, 1);
	assert_int_equal(s.verbose, 1);
	assert_int_equal(p.n_operands, 2);
	assert_string_equal(p.operands[0], "A1");
	assert_string_equal(p.operands[1], "A2");
}

/* "--" ends the options; "-" is an operand. */
static void test_double_dash_and_stdin(void **state)
{
	char *argv[] = {"x", "-", "--", "-o", "--quiet", NULL};
	struct cli_opts p;
	struct seen s;
	assert_int_equal(parse(5, argv, &s, &p), 0);
	assert_null(s.out);
	assert_int_equal(s.quiet, 0);
	assert_int_equal(p.n_operands, 3);
	assert_string_equal(p.operands[0], "-");
	assert_string_equal(p.operands[1], "-o");
	assert_string_equal(p.operands[2], "--quiet");
}

static void test_errors(void **state)
{
	char *unknown[] = {"x", "IN", "--bogus", NULL};
	char *unknown_short[] = {"x", "-qz", NULL};
	char *missing[] = {"x", "IN", "-o", NULL};
	char *flag_value[] = {"x", "--quiet=yes", NULL};
	char *prefix[] = {"x", "--jour", "J", NULL}; /* no abbreviations */
	struct cli_opts p;
	struct seen s;
	assert_int_equal(parse(3, unknown, &s, &p), -1);
	assert_int_equal(parse(2, unknown_short, &s, &p), -1);
	assert_int_equal(parse(3, missing, &s, &p), -1);
	assert_int_equal(parse(2, flag_value, &s, &p), -1);
	assert_int_equal(parse(3, prefix, &s, &p), -1);
}

/* irisctl's own options stop at the command word; a second table adds
 * options shared by every command. */
static void test_stop_at_operand_and_second_table(void **state)
{
	static const struct cli_opt common[] = {{"data", 'd', true, 100}, {0}};
	char *argv[] = {"irisctl", "-d", "D", "account", "--out", "X", NULL};
	struct cli_opts p;
	cli_opts_init(&p, "irisctl", NULL, 6, argv, 1);
	p.tables[1] = common;
	p.stop_at_operand = true;
	assert_int_equal(cli_opts_next(&p), 100);
	assert_string_equal(p.value, "D");
	assert_int_equal(cli_opts_next(&p), CLI_OPTS_END);
	assert_int_equal(cli_opts_next(&p), CLI_OPTS_END);
	assert_int_equal(p.n_operands, 3);
	assert_string_equal(p.operands[0], "account");
	assert_string_equal(p.operands[1], "--out");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options_after_operands),
	    cmocka_unit_test(test_value_forms_and_bundles),
	    cmocka_unit_test(test_double_dash_and_stdin),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_stop_at_operand_and_second_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
