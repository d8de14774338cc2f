/* core/cli_opts: see cli_opts.h. */
#include "core/cli_opts.h"

#include <stdio.h>
#include <string.h>

void cli_opts_init(struct cli_opts *p, const char *prog, const struct cli_opt *table, int argc,
                   char **argv, int first)
{
	memset(p, 0, sizeof(*p));
	p->prog = prog;
	p->tables[0] = table;
	p->argc = argc;
	p->argv = argv;
	p->first = first < argc ? first : argc;
	p->next = p->first;
}

/* The option named by a long name (len bytes of name) or a letter. */
static const struct cli_opt *find(const struct cli_opts *p, const char *name, size_t len,
                                  int letter)
{
	for (int t = 0; t < CLI_OPTS_TABLES; t++) {
		for (const struct cli_opt *o = p->tables[t]; o != NULL && (o->name || o->letter);
		     o++) {
			if (name != NULL && o->name != NULL && strlen(o->name) == len &&
			    memcmp(o->name, name, len) == 0)
				return o;
			if (name == NULL && letter != 0 && o->letter == letter)
				return o;
		}
	}
	return NULL;
}

static int fail(const struct cli_opts *p, const char *what, const char *dashes, const char *name,
                int len)
{
	fprintf(stderr, "%s: %s '%s%.*s'\n", p->prog, what, dashes, len, name);
	return CLI_OPTS_ERROR;
}

/* The value of an option: inline ("--x=v", "-xv") or the next word. */
static int take_value(struct cli_opts *p, const struct cli_opt *o, const char *inline_value,
                      const char *dashes, const char *name, int len)
{
	if (inline_value != NULL) {
		p->value = inline_value;
		return o->id;
	}
	if (p->next >= p->argc)
		return fail(p, "missing value for option", dashes, name, len);
	p->value = p->argv[p->next++];
	return o->id;
}

static int long_option(struct cli_opts *p, const char *word)
{
	const char *name = word + 2, *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct cli_opt *o = find(p, name, len, 0);
	if (o == NULL)
		return fail(p, "unknown option", "--", name, (int)len);
	if (!o->has_value) {
		if (eq != NULL)
			return fail(p, "no value allowed for option", "--", name, (int)len);
		return o->id;
	}
	return take_value(p, o, eq != NULL ? eq + 1 : NULL, "--", name, (int)len);
}

/* The next letter of a "-abc" bundle (p->bundle points at it). */
static int short_option(struct cli_opts *p)
{
	const char *at = p->bundle;
	const struct cli_opt *o = find(p, NULL, 0, (unsigned char)*at);
	p->bundle = at[1] != '\0' ? at + 1 : NULL;
	if (o == NULL)
		return fail(p, "unknown option", "-", at, 1);
	if (!o->has_value)
		return o->id;
	const char *inline_value = p->bundle;
	p->bundle = NULL;
	return take_value(p, o, inline_value, "-", at, 1);
}

/* Records the end of the parse. */
static int finish(struct cli_opts *p, int operands_at, int n)
{
	p->operands = p->argv + operands_at;
	p->n_operands = n;
	p->next = p->argc;
	p->done = true;
	return CLI_OPTS_END;
}

int cli_opts_next(struct cli_opts *p)
{
	p->value = NULL;
	if (p->done)
		return CLI_OPTS_END;
	if (p->bundle != NULL)
		return short_option(p);
	while (p->next < p->argc) {
		char *word = p->argv[p->next];
		bool option = !p->operands_only && word[0] == '-' && word[1] != '\0';
		if (!option) {
			if (p->stop_at_operand)
				return finish(p, p->next, p->argc - p->next);
			/* Operands gather at the front; every slot they move
			 * into was already read. */
			p->argv[p->first + p->n_operands++] = word;
			p->next++;
			continue;
		}
		p->next++;
		if (strcmp(word, "--") == 0) {
			p->operands_only = true;
			if (p->stop_at_operand)
				return finish(p, p->next, p->argc - p->next);
			continue;
		}
		if (word[1] == '-')
			return long_option(p, word);
		p->bundle = word + 1;
		return short_option(p);
	}
	return finish(p, p->first, p->n_operands);
}
