/*
 * contacts/contacts_cli: the command line over the engine.
 *
 *   contacts clean   IN [-o OUT]                  clean and enrich
 *   contacts dedupe  IN [-o OUT]                  clean, then add cluster_id
 *   contacts merge   IN -o OUT --journal J        clean, dedupe, merge
 *   contacts undo    MERGED --journal J [--merge-id ID] [-o OUT]
 *   contacts refresh BOOK EVENTS --employees-informed [--consent-required
 *                    --employees-agreed] [-o OUT]
 *   contacts find    BOOK --first F --last L [--email E] [--phone P]
 *
 * A progress bar goes to stderr when it is a terminal; a summary always
 * ends the run on stderr; data goes to -o or stdout as CSV, JSON lines
 * (--format json) or vCard (--format vcard).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "contacts/contacts_cli.h"
#include "core/cli_opts.h"
#include "contacts/contacts_internal.h"

#define MAX_MAPS 64
#define MAX_INPUT ((size_t)4 << 30)

struct cli {
	const char *cmd, *in, *in2, *out, *journal, *report, *format, *merge_id;
	const char *country, *lang;
	char delimiter;
	double threshold;
	int threads, no_clean, quiet, informed, consent_required, agreed;
	const char *find[CF_COUNT];
	struct contacts_mapping map[MAX_MAPS];
	size_t n_map;
	struct timespec t0;
};

static double elapsed(const struct cli *c)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->t0.tv_sec) + (double)(t.tv_nsec - c->t0.tv_nsec) / 1e9;
}

/* A stage bar on a terminal: "[#####.....] 3/5 cleaning". */
static void progress(const struct cli *c, int step, int steps, const char *what)
{
	if (c->quiet || !isatty(STDERR_FILENO))
		return;
	char bar[21];
	int fill = steps ? step * 20 / steps : 20;
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	fprintf(stderr, "\r[%s] %d/%d %-24s %6.1fs", bar, step, steps, what, elapsed(c));
	if (step == steps)
		fputc('\n', stderr);
	fflush(stderr);
}

static void usage(void)
{
	fputs("usage: contacts clean|dedupe|merge IN [-o OUT] [options]\n"
	      "       contacts undo MERGED --journal J [--merge-id ID] [-o OUT]\n"
	      "       contacts refresh BOOK EVENTS --employees-informed [-o OUT]\n"
	      "       contacts find BOOK --first F --last L [--email E] [--phone P]\n"
	      "options: --format csv|json|vcard  --delimiter C  --map 'Header=field'\n"
	      "         --country FR  --lang fr  --threshold 0.5  --threads 2\n"
	      "         --journal FILE  --report FILE (changes and import issues, CSV)\n"
	      "         --no-clean  --quiet  --consent-required  --employees-agreed\n",
	      stderr);
}

/* Reads a whole file (or "-" for stdin) into a malloc'd buffer. */
static char *slurp(const char *path, size_t *len_r)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct cx_buf b = {0};
	char tmp[1 << 16];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0 && b.len < MAX_INPUT)
		cx_buf_add(&b, tmp, n);
	if (f != stdin)
		fclose(f);
	cx_buf_cstr(&b);
	*len_r = b.len;
	return b.p;
}

static int parse_map(struct cli *c, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	if (eq == NULL || c->n_map >= MAX_MAPS)
		return -1;
	int f = contacts_field_from_header(eq + 1, strlen(eq + 1));
	if (f < 0)
		return -1;
	c->map[c->n_map].header = cx_strndup(arg, (size_t)(eq - arg));
	c->map[c->n_map++].field = (enum contact_field)f;
	return 0;
}

enum {
	O_JOURNAL = 256,
	O_REPORT,
	O_FORMAT,
	O_DELIM,
	O_MAP,
	O_COUNTRY,
	O_LANG,
	O_THRESHOLD,
	O_THREADS,
	O_NOCLEAN,
	O_MERGEID,
	O_INFORMED,
	O_CONSENT,
	O_AGREED,
	O_FIRST,
	O_LAST,
	O_EMAIL,
	O_PHONE,
	O_COMPANY
};

/* Parses the options (anywhere on the line, core/cli_opts.h) and the
 * operands: one input, two for refresh (BOOK EVENTS). */
static int parse_args(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"output", 'o', true, 'o'},
	    {"quiet", 'q', false, 'q'},
	    {"journal", 0, true, O_JOURNAL},
	    {"report", 0, true, O_REPORT},
	    {"format", 0, true, O_FORMAT},
	    {"delimiter", 0, true, O_DELIM},
	    {"map", 0, true, O_MAP},
	    {"country", 0, true, O_COUNTRY},
	    {"lang", 0, true, O_LANG},
	    {"threshold", 0, true, O_THRESHOLD},
	    {"threads", 0, true, O_THREADS},
	    {"no-clean", 0, false, O_NOCLEAN},
	    {"merge-id", 0, true, O_MERGEID},
	    {"employees-informed", 0, false, O_INFORMED},
	    {"consent-required", 0, false, O_CONSENT},
	    {"employees-agreed", 0, false, O_AGREED},
	    {"first", 0, true, O_FIRST},
	    {"last", 0, true, O_LAST},
	    {"email", 0, true, O_EMAIL},
	    {"phone", 0, true, O_PHONE},
	    {"company", 0, true, O_COMPANY},
	    {0},
	};
	struct cli_opts p;
	int o;
	cli_opts_init(&p, "contacts", opts, argc, argv, 2);
	while ((o = cli_opts_next(&p)) != CLI_OPTS_END) {
		switch (o) {
		case 'o':
			c->out = p.value;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case O_JOURNAL:
			c->journal = p.value;
			break;
		case O_REPORT:
			c->report = p.value;
			break;
		case O_FORMAT:
			c->format = p.value;
			break;
		case O_DELIM:
			c->delimiter = strcmp(p.value, "tab") == 0 ? '\t' : p.value[0];
			break;
		case O_MAP:
			if (parse_map(c, p.value) != 0) {
				fprintf(stderr, "contacts: bad --map '%s' (want 'Header=field')\n",
				        p.value);
				return -1;
			}
			break;
		case O_COUNTRY:
			c->country = p.value;
			break;
		case O_LANG:
			c->lang = p.value;
			break;
		case O_THRESHOLD:
			c->threshold = strtod(p.value, NULL);
			break;
		case O_THREADS:
			c->threads = atoi(p.value);
			break;
		case O_NOCLEAN:
			c->no_clean = 1;
			break;
		case O_MERGEID:
			c->merge_id = p.value;
			break;
		case O_INFORMED:
			c->informed = 1;
			break;
		case O_CONSENT:
			c->consent_required = 1;
			break;
		case O_AGREED:
			c->agreed = 1;
			break;
		case O_FIRST:
			c->find[CF_FIRST] = p.value;
			break;
		case O_LAST:
			c->find[CF_LAST] = p.value;
			break;
		case O_EMAIL:
			c->find[CF_EMAIL] = p.value;
			break;
		case O_PHONE:
			c->find[CF_PHONE] = p.value;
			break;
		case O_COMPANY:
			c->find[CF_COMPANY] = p.value;
			break;
		default:
			return -1;
		}
	}
	if (p.n_operands != (strcmp(c->cmd, "refresh") == 0 ? 2 : 1))
		return -1;
	c->in = p.operands[0];
	c->in2 = p.n_operands > 1 ? p.operands[1] : NULL;
	return 0;
}

static bool looks_vcard(const char *path, const char *d, size_t len)
{
	size_t pl = strlen(path);
	if (pl > 4 && strcasecmp(path + pl - 4, ".vcf") == 0)
		return true;
	size_t i = len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < len && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n'))
		i++;
	return len - i >= 11 && strncasecmp(d + i, "BEGIN:VCARD", 11) == 0;
}

/* Loads the input book, reporting rows repaired or rejected. */
static struct contacts_book *load(struct cli *c, const char *path)
{
	size_t len;
	char *d = slurp(path, &len);
	if (d == NULL) {
		fprintf(stderr, "contacts: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	struct contacts_import_opts io = {
	    .delimiter = c->delimiter, .map = c->map, .n_map = c->n_map};
	int rc = looks_vcard(path, d, len) ? contacts_book_import_vcard(b, d, len, &err)
	                                   : contacts_book_import_csv(b, d, len, &io, &err);
	free(d);
	if (rc != 0) {
		fprintf(stderr, "contacts: %s: %s\n", path, err);
		contacts_book_free(&b);
	}
	return b;
}

static FILE *open_out(const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		fprintf(stderr, "contacts: cannot write %s: %s\n", path, strerror(errno));
	return f;
}

static int close_out(FILE *f)
{
	if (f == stdout)
		return fflush(f) == 0 ? 0 : -1;
	return fclose(f) == 0 ? 0 : -1;
}

static int write_book(struct cli *c, const struct contacts_book *b, const uint32_t *clusters)
{
	FILE *f = open_out(c->out);
	if (f == NULL)
		return -1;
	const char *err = NULL;
	int rc;
	if (c->format && strcmp(c->format, "json") == 0)
		rc = contacts_book_export_json(b, f, clusters, &err);
	else if (c->format && strcmp(c->format, "vcard") == 0)
		rc = contacts_book_export_vcard(b, f, &err);
	else
		rc = contacts_book_export_csv(b, f, c->delimiter, clusters, &err);
	if (close_out(f) != 0 || rc != 0) {
		fprintf(stderr, "contacts: writing output failed\n");
		return -1;
	}
	return 0;
}

static const char *issue_name(enum contacts_issue_code k)
{
	switch (k) {
	case CI_EMPTY_ROW:
		return "empty row skipped";
	case CI_QUOTE_REPAIRED:
		return "quoting repaired";
	case CI_BAD_UTF8:
		return "invalid UTF-8 read as Windows-1252";
	case CI_FIELD_TRUNCATED:
		return "field over the length limit truncated";
	case CI_TOO_MANY_COLUMNS:
		return "extra cells kept in _overflow";
	case CI_ROW_REJECTED:
		return "row rejected (over limits), kept raw here";
	case CI_VCARD_BAD_LINE:
		return "vCard line over the length limit";
	}
	return "?";
}

/* The per-row report: import issues, then every cleaning change. */
static int write_report(struct cli *c, const struct contacts_book *b,
                        const struct contacts_changes *ch)
{
	if (c->report == NULL)
		return 0;
	FILE *f = fopen(c->report, "wb");
	if (f == NULL) {
		fprintf(stderr, "contacts: cannot write %s\n", c->report);
		return -1;
	}
	fputs("kind,line_or_id,field,before,after,why\r\n", f);
	for (size_t i = 0; i < b->n_issues; i++) {
		fprintf(f, "import,%zu,,", b->issues[i].line);
		cx_csv_write_field(f, b->issues[i].raw, ',');
		fputs(",,", f);
		cx_csv_write_field(f, issue_name(b->issues[i].code), ',');
		fputs("\r\n", f);
	}
	for (size_t i = 0; ch && i < ch->n; i++) {
		const struct contacts_change *x = &ch->v[i];
		fputs("change,", f);
		cx_csv_write_field(f, x->rec < b->n ? b->recs[x->rec].v[CF_ID] : "", ',');
		fprintf(f, ",%s,", contacts_field_name(x->field));
		cx_csv_write_field(f, x->before, ',');
		fputc(',', f);
		cx_csv_write_field(f, x->after, ',');
		fputc(',', f);
		cx_csv_write_field(f, x->why, ',');
		fputs("\r\n", f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

static void summary_import(const struct cli *c, const struct contacts_book *b)
{
	if (c->quiet)
		return;
	fprintf(stderr, "records in: %zu (rows read %zu, repaired %zu, rejected %zu, notes %zu)\n",
	        b->n, b->rows_read, b->rows_repaired, b->rows_rejected, b->n_issues);
}

static void summary_clean(const struct cli *c, const struct contacts_clean_stats *s)
{
	if (c->quiet)
		return;
	fputs("cleaned fields:", stderr);
	for (int f = 0; f < CF_COUNT; f++)
		if (s->changed[f])
			fprintf(stderr, " %s=%zu", contacts_field_name(f), s->changed[f]);
	fprintf(stderr,
	        "\n  names split %zu, civilities added %zu, e-mail typos fixed %zu, invalid "
	        "e-mails %zu, invalid phones %zu\n",
	        s->names_split, s->civility_added, s->email_typo_fixed, s->email_invalid,
	        s->phone_invalid);
}

static int do_clean(struct cli *c, struct contacts_book *b, struct contacts_changes *ch)
{
	if (c->no_clean)
		return 0;
	struct contacts_clean_opts co = {.default_country = c->country ? c->country : "FR",
	                                 .lang = c->lang,
	                                 .threads = c->threads,
	                                 .keep_changes = c->report != NULL};
	struct contacts_clean_stats st;
	const char *err = NULL;
	if (contacts_clean(b, &co, &st, ch, &err) != 0) {
		fprintf(stderr, "contacts: clean: %s\n", err);
		return -1;
	}
	summary_clean(c, &st);
	return 0;
}

static int do_dedupe(struct cli *c, struct contacts_book *b, uint32_t **cl,
                     struct contacts_model *model)
{
	struct contacts_dedupe_opts d = {.threshold = c->threshold, .threads = c->threads};
	struct contacts_dedupe_stats st;
	const char *err = NULL;
	if (contacts_dedupe(b, &d, cl, model, &st, &err) != 0) {
		fprintf(stderr, "contacts: dedupe: %s\n", err);
		return -1;
	}
	if (!c->quiet)
		fprintf(stderr,
		        "dedupe: %zu candidate pairs, %zu patterns, %zu linked pairs, %zu "
		        "clusters (%zu with duplicates), %zu oversized blocks skipped, EM %d "
		        "iterations, match share %.4f\n",
		        st.candidate_pairs, st.patterns, st.linked_pairs, st.clusters,
		        st.multi_clusters, st.skipped_blocks, model->iterations, model->prior);
	return 0;
}

/* clean | dedupe | merge: the pipeline, stopping where the command says. */
static int run_pipeline(struct cli *c)
{
	int steps = strcmp(c->cmd, "clean") == 0 ? 3 : strcmp(c->cmd, "dedupe") == 0 ? 4 : 5;
	progress(c, 0, steps, "reading");
	struct contacts_book *b = load(c, c->in);
	if (b == NULL)
		return 1;
	summary_import(c, b);
	struct contacts_changes ch = {0};
	uint32_t *cl = NULL;
	struct contacts_book *merged = NULL;
	int rc = 1;
	progress(c, 1, steps, "cleaning");
	if (do_clean(c, b, &ch) != 0)
		goto out;
	if (steps >= 4) {
		struct contacts_model model;
		progress(c, 2, steps, "finding duplicates");
		if (do_dedupe(c, b, &cl, &model) != 0)
			goto out;
	}
	if (steps == 5) {
		if (c->journal == NULL) {
			fputs("contacts: merge needs --journal FILE (undo reads it)\n", stderr);
			goto out;
		}
		progress(c, 3, steps, "merging");
		FILE *j = fopen(c->journal, "wb");
		const char *err = NULL;
		size_t merges = 0;
		if (j == NULL || contacts_merge(b, cl, &merged, j, &merges, &err) != 0) {
			fprintf(stderr, "contacts: merge: %s\n", err ? err : strerror(errno));
			if (j)
				fclose(j);
			goto out;
		}
		if (fclose(j) != 0)
			goto out;
		if (!c->quiet)
			fprintf(stderr, "merges: %zu (records out %zu)\n", merges, merged->n);
	}
	progress(c, steps - 1, steps, "writing");
	if (write_book(c, merged ? merged : b, steps == 4 ? cl : NULL) != 0 ||
	    write_report(c, b, &ch) != 0)
		goto out;
	progress(c, steps, steps, "done");
	if (!c->quiet)
		fprintf(stderr, "done in %.2fs\n", elapsed(c));
	rc = 0;
out:
	free(cl);
	contacts_changes_free(&ch);
	contacts_book_free(&merged);
	contacts_book_free(&b);
	return rc;
}

static int run_undo(struct cli *c)
{
	if (c->journal == NULL) {
		fputs("contacts: undo needs --journal FILE\n", stderr);
		return 2;
	}
	struct contacts_book *mb = load(c, c->in), *out = NULL;
	if (mb == NULL)
		return 1;
	size_t jl;
	char *j = slurp(c->journal, &jl);
	const char *err = NULL;
	int rc = 1;
	if (j == NULL) {
		fprintf(stderr, "contacts: cannot read %s\n", c->journal);
	} else if (contacts_undo(mb, j, jl, c->merge_id, &out, &err) != 0) {
		fprintf(stderr, "contacts: undo: %s\n", err);
	} else if (write_book(c, out, NULL) == 0) {
		if (!c->quiet)
			fprintf(stderr, "undo: %zu records restored from %zu\n", out->n, mb->n);
		rc = 0;
	}
	free(j);
	contacts_book_free(&out);
	contacts_book_free(&mb);
	return rc;
}

static int run_refresh(struct cli *c)
{
	if (c->in2 == NULL) {
		usage();
		return 2;
	}
	struct contacts_refresh_opts ro = {.employees_informed = c->informed,
	                                   .consent_required = c->consent_required,
	                                   .employees_agreed = c->agreed};
	const char *err = NULL;
	/* the consent check comes before any mail or contact is read */
	if (contacts_refresh(NULL, "", 0, &ro, NULL, NULL, &err) != 0) {
		fprintf(stderr, "contacts: %s\n", err);
		return 1;
	}
	struct contacts_book *b = load(c, c->in);
	if (b == NULL)
		return 1;
	size_t len;
	char *ev = slurp(c->in2, &len);
	struct contacts_refresh_stats st;
	struct contacts_changes ch = {0};
	int rc = 1;
	if (ev == NULL) {
		fprintf(stderr, "contacts: cannot read %s\n", c->in2);
	} else if (contacts_refresh(b, ev, len, &ro, &st, &ch, &err) != 0) {
		fprintf(stderr, "contacts: %s\n", err);
	} else if (write_book(c, b, NULL) == 0 && write_report(c, b, &ch) == 0) {
		if (!c->quiet)
			fprintf(stderr,
			        "refresh: %zu events, %zu bounces marked, %zu addresses updated, "
			        "%zu last-seen dates, %zu ignored\n",
			        st.events, st.bounces_marked, st.addresses_updated,
			        st.last_seen_updated, st.ignored);
		rc = 0;
	}
	free(ev);
	contacts_changes_free(&ch);
	contacts_book_free(&b);
	return rc;
}

/* find: duplicates of one contact in a book, through the index. */
static int run_find(struct cli *c)
{
	struct contacts_book *b = load(c, c->in);
	if (b == NULL)
		return 1;
	struct contacts_changes ch = {0};
	uint32_t *cl = NULL;
	struct contacts_model model;
	int rc = 1;
	if (do_clean(c, b, &ch) != 0 || do_dedupe(c, b, &cl, &model) != 0)
		goto out;
	struct contacts_index *ix = contacts_index_build(b, &model, 0);
	struct contacts_book *q = contacts_book_new();
	struct contact *qc = contacts_book_add(q);
	for (int f = 0; f < CF_COUNT; f++)
		if (c->find[f])
			contacts_set(q, qc, (enum contact_field)f, c->find[f]);
	c->report = NULL;
	c->quiet = 1;
	do_clean(c, q, NULL);
	size_t hits[64];
	size_t n = contacts_index_query(ix, qc, c->threshold > 0 ? c->threshold : 0.5, hits, 64);
	printf("matches: %zu\n", n);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", b->recs[hits[i]].v[CF_ID] ? b->recs[hits[i]].v[CF_ID] : "?");
	contacts_index_free(&ix);
	contacts_book_free(&q);
	rc = 0;
out:
	free(cl);
	contacts_changes_free(&ch);
	contacts_book_free(&b);
	return rc;
}

int contacts_cli_main(int argc, char **argv)
{
	struct cli c;
	memset(&c, 0, sizeof(c));
	clock_gettime(CLOCK_MONOTONIC, &c.t0);
	if (argc < 2) {
		usage();
		return 2;
	}
	c.cmd = argv[1];
	bool known = !strcmp(c.cmd, "clean") || !strcmp(c.cmd, "dedupe") ||
	             !strcmp(c.cmd, "merge") || !strcmp(c.cmd, "undo") ||
	             !strcmp(c.cmd, "refresh") || !strcmp(c.cmd, "find");
	if (!known || parse_args(&c, argc, argv) != 0) {
		usage();
		return 2;
	}
	int rc;
	if (!strcmp(c.cmd, "undo"))
		rc = run_undo(&c);
	else if (!strcmp(c.cmd, "refresh"))
		rc = run_refresh(&c);
	else if (!strcmp(c.cmd, "find"))
		rc = run_find(&c);
	else
		rc = run_pipeline(&c);
	for (size_t i = 0; i < c.n_map; i++)
		free((char *)c.map[i].header);
	return rc;
}
