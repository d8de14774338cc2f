/* Unit tests for the contacts command line (issue 5 item 6; P-HYG-1, -3, -4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contacts/contacts_cli.h"

static char dir[64];

static void path(char *out, size_t cap, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

static void write_file(const char *name, const char *text)
{
	char p[128];
	path(p, sizeof(p), name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *name)
{
	char p[128];
	path(p, sizeof(p), name);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int run(const char *a0, const char *a1, const char *a2, const char *a3, const char *a4,
               const char *a5, const char *a6)
{
	char *argv[9] = {"contacts", (char *)a0, (char *)a1, (char *)a2, (char *)a3,
	                 (char *)a4, (char *)a5, (char *)a6, NULL};
	int argc = 1;
	while (argv[argc])
		argc++;
	return contacts_cli_main(argc, argv);
}

static const char input[] = "ID,Full Name,E-mail,Phone\r\n"
                            "1,MARIE DUPONT,marie.dupont@gmial.com,06 12 34 56 78\r\n"
                            "2,Marie Dupont,marie.dupont@gmail.com,+33612345678\r\n"
                            "3,Paul Martin,paul@initech.fr,01 42 68 53 00\r\n";

/* P-HYG-2 / P-HYG-3: dedupe writes a cluster_id column and cleaned values. */
static void test_cli_dedupe(void **state)
{
	char in[128], out[128];
	write_file("in.csv", input);
	path(in, sizeof(in), "in.csv");
	path(out, sizeof(out), "out.csv");
	assert_int_equal(run("dedupe", in, "-o", out, "-q", NULL, NULL), 0);
	char *o = read_file("out.csv");
	assert_true(strncmp(o, "cluster_id,id,", 14) == 0);
	assert_non_null(strstr(o, "0,1,Ms,female,Marie,Dupont"));
	assert_non_null(strstr(o, "0,2,Ms,female,Marie,Dupont"));
	assert_non_null(strstr(o, "1,3,"));
	free(o);
}

/* P-HYG-3: merge then undo through the command line gives back the cleaned
 * records; the journal is required. */
static void test_cli_merge_undo(void **state)
{
	char in[128], out[128], j[128], back[128];
	write_file("in.csv", input);
	path(in, sizeof(in), "in.csv");
	path(out, sizeof(out), "merged.csv");
	path(j, sizeof(j), "journal.json");
	path(back, sizeof(back), "back.csv");
	assert_int_equal(run("merge", in, "-o", out, "-q", NULL, NULL), 1);
	assert_int_equal(run("merge", in, "-o", out, "--journal", j, "-q"), 0);
	char *m = read_file("merged.csv");
	assert_non_null(strstr(m, "1;2"));
	free(m);
	assert_int_equal(run("undo", out, "--journal", j, "-o", back, "-q"), 0);
	char *b = read_file("back.csv");
	assert_non_null(strstr(b, "\r\n1,"));
	assert_non_null(strstr(b, "\r\n2,"));
	assert_non_null(strstr(b, "\r\n3,"));
	free(b);
}

/* P-HYG-4: refresh is refused without --employees-informed. */
static void test_cli_refresh_needs_flag(void **state)
{
	char in[128], ev[128], out[128];
	write_file("in.csv", input);
	write_file("ev.csv", "email,date,type\nmarie.dupont@gmail.com,2026-01-01,bounce\n");
	path(in, sizeof(in), "in.csv");
	path(ev, sizeof(ev), "ev.csv");
	path(out, sizeof(out), "r.csv");
	assert_int_equal(run("refresh", in, ev, "-o", out, "-q", NULL), 1);
	assert_int_equal(access(out, F_OK), -1); /* nothing written */
	assert_int_equal(run("refresh", in, ev, "-o", out, "--employees-informed", "-q"), 0);
	char *o = read_file("r.csv");
	assert_non_null(strstr(o, "bounced"));
	free(o);
}

/* Issue 9 item 12: options after the input count, even in a process whose
 * getopt already ran in "stop at the first operand" mode (irisctl did that
 * before handing over, and glibc kept the mode); stray operands, unknown
 * options and a missing value are usage errors; "--" ends the options. */
static void test_cli_options_anywhere(void **state)
{
	char in[128], out[128], rep[128], j[128];
	char *prior[] = {"irisctl", "contacts", NULL};
	optind = 0;
	(void)getopt(2, prior, "+q");
	write_file("in.csv", input);
	path(in, sizeof(in), "in.csv");
	path(out, sizeof(out), "out.csv");
	path(rep, sizeof(rep), "report.csv");
	path(j, sizeof(j), "journal.json");
	unlink(out);
	assert_int_equal(run("clean", in, "-o", out, "--report", rep, "-q"), 0);
	char *o = read_file("out.csv");
	char *r = read_file("report.csv");
	assert_true(strncmp(o, "id,", 3) == 0);
	assert_true(strncmp(r, "kind,line_or_id,", 16) == 0);
	free(o);
	free(r);
	unlink(out);
	assert_int_equal(run("merge", in, "-o", out, "--journal", j, "-q"), 0);
	assert_int_equal(access(out, F_OK), 0);
	assert_int_equal(run("clean", in, "stray", "-q", NULL, NULL, NULL), 2);
	assert_int_equal(run("clean", in, "--bogus", NULL, NULL, NULL, NULL), 2);
	assert_int_equal(run("clean", in, "-o", NULL, NULL, NULL, NULL), 2);
	assert_int_equal(run("clean", "-q", "--", "-o", NULL, NULL, NULL), 1); /* no file "-o" */
}

static void test_cli_usage(void **state)
{
	assert_int_equal(run("frobnicate", NULL, NULL, NULL, NULL, NULL, NULL), 2);
	assert_int_equal(run("clean", NULL, NULL, NULL, NULL, NULL, NULL), 2);
	assert_int_equal(run("clean", "/nonexistent/x.csv", "-q", NULL, NULL, NULL, NULL), 1);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/contacts-cli-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_dedupe),
	    cmocka_unit_test(test_cli_merge_undo),
	    cmocka_unit_test(test_cli_refresh_needs_flag),
	    cmocka_unit_test(test_cli_options_anywhere),
	    cmocka_unit_test(test_cli_usage),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	static const char *const files[] = {"in.csv",   "out.csv", "merged.csv", "journal.json",
	                                    "back.csv", "ev.csv",  "r.csv",      "report.csv"};
	char p[128];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path(p, sizeof(p), files[i]);
		unlink(p);
	}
	rmdir(dir);
	return rc;
}
