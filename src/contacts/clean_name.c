/*
 * contacts/clean_name: splitting full names, capitalisation, civility and
 * gender from the first name (P-HYG-2).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contacts/contacts_internal.h"

/* Particles kept in lower case inside a surname (van der Berg, de la Tour). */
static const char *const particles[] = {"van", "von", "der", "den", "de", "du", "des", "la",
					"le", "di", "da", "del", "della", "dos", "das", "ten",
					"ter", "zu", "y", "bin", "ibn", NULL};

static bool is_particle(const char *w, size_t n)
{
	for (size_t i = 0; particles[i]; i++)
		if (strlen(particles[i]) == n && strncmp(particles[i], w, n) == 0)
			return true;
	return false;
}

/* Case profile of a UTF-8 word: bit 1 has lower, bit 2 has upper. */
static int case_profile(const char *s, size_t n)
{
	int prof = 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = cx_utf8_decode(p + i, n - i, &cp);
		if (k == 0)
			k = 1, cp = p[i];
		if (cx_lower_cp(cp) != cp)
			prof |= 2;
		else if (cx_upper_cp(cp) != cp)
			prof |= 1;
		i += k;
	}
	return prof;
}

static bool is_roman(const char *w, size_t n)
{
	static const char *const r[] = {"ii", "iii", "iv", "vi", "vii", "viii", NULL};
	for (size_t i = 0; r[i]; i++)
		if (strlen(r[i]) == n && strncasecmp(r[i], w, n) == 0)
			return true;
	return false;
}

/* Appends word w (n bytes) lower-cased, upper-casing the first letter and
 * the letter after each hyphen or apostrophe, with Mc and O' handling. */
static void cap_word(struct cx_buf *o, const char *w, size_t n, bool particle_ok, bool is_last)
{
	struct cx_buf low = {0};
	const unsigned char *p = (const unsigned char *)w;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = cx_utf8_decode(p + i, n - i, &cp);
		if (k == 0)
			k = 1, cp = p[i];
		char e[4];
		cx_buf_add(&low, e, cx_utf8_encode(cx_lower_cp(cp), e));
		i += k;
	}
	const char *l = cx_buf_cstr(&low);
	size_t ln = low.len;
	if (particle_ok && is_particle(l, ln)) {
		cx_buf_add(o, l, ln);
		cx_buf_free(&low);
		return;
	}
	if (is_roman(l, ln)) {
		for (size_t i = 0; i < ln; i++)
			cx_buf_addc(o, (char)(l[i] - 32));
		cx_buf_free(&low);
		return;
	}
	bool up = true;
	for (size_t i = 0; i < ln;) {
		uint32_t cp;
		size_t k = cx_utf8_decode((const unsigned char *)l + i, ln - i, &cp);
		if (k == 0)
			k = 1, cp = (unsigned char)l[i];
		/* d'Estaing, l'Hermite: French elided particles stay lower */
		bool elided = is_last && i == 0 && ln > 2 && (cp == 'd' || cp == 'l') &&
			      l[1] == '\'';
		char e[4];
		uint32_t out = up && !elided ? cx_upper_cp(cp) : cp;
		cx_buf_add(o, e, cx_utf8_encode(out, e));
		up = cp == '-' || cp == '\'' || cp == 0x2019 || cp == '.';
		/* McDonald: capital after a leading Mc */
		if (i == 1 && cp == 'c' && l[0] == 'm' && ln > 3 && is_last)
			up = true;
		i += k;
	}
	cx_buf_free(&low);
}

/* Recases a first or last name: only when it is all lower or all upper
 * case, so a name typed with care (DeVito, MacArthur) is kept as is. */
char *contacts_clean_name_part(const char *s, int is_last)
{
	if (s == NULL)
		return NULL;
	char *sq = cx_squeeze(s);
	if (*sq == '\0') {
		free(sq);
		return NULL;
	}
	size_t n = strlen(sq);
	if (case_profile(sq, n) == 3) {
		return sq;
	}
	struct cx_buf o = {0};
	const char *p = sq;
	bool first_word = true;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t wn = e ? (size_t)(e - p) : strlen(p);
		if (!first_word)
			cx_buf_addc(&o, ' ');
		/* a particle is lower case unless it starts the surname on its own */
		bool particle_ok = is_last && (!first_word || e != NULL);
		cap_word(&o, p, wn, particle_ok, is_last != 0);
		first_word = false;
		p += wn;
		while (*p == ' ')
			p++;
	}
	free(sq);
	cx_buf_cstr(&o);
	return o.p;
}

static const struct {
	const char *in;
	const char *out;
} civilities[] = {
	{"mr", "Mr"},       {"mister", "Mr"}, {"mrs", "Mrs"},    {"ms", "Ms"},
	{"miss", "Miss"},   {"dr", "Dr"},     {"prof", "Prof"},  {"m", "M."},
	{"monsieur", "M."}, {"mme", "Mme"},   {"madame", "Mme"}, {"mlle", "Mlle"},
	{"mademoiselle", "Mlle"}, {"herr", "Herr"}, {"frau", "Frau"}, {"sr", "Sr."},
	{"sra", "Sra."},    {"sig", "Sig."},  {"sir", "Sir"},    {"dame", "Dame"},
};

/* Canonical civility for a token ("mr." -> "Mr"), or NULL. */
static const char *civility_canon(const char *tok, size_t n)
{
	char buf[32], f[32];
	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	cx_fold_into(buf, f, sizeof(f));
	for (size_t i = 0; i < sizeof(civilities) / sizeof(civilities[0]); i++)
		if (strcmp(f, civilities[i].in) == 0)
			return civilities[i].out;
	return NULL;
}

char *cx_clean_civility(const char *s);
/* Normalises a civility value, or returns NULL when it is not one. */
char *cx_clean_civility(const char *s)
{
	char *sq = cx_squeeze(s);
	const char *c = civility_canon(sq, strlen(sq));
	free(sq);
	return c ? cx_strdup(c) : NULL;
}

/* Gender implied by a civility, or NULL. */
const char *cx_civility_gender(const char *civ);
const char *cx_civility_gender(const char *civ)
{
	static const char *const male[] = {"Mr", "M.", "Herr", "Sr.", "Sig.", "Sir", NULL};
	static const char *const female[] = {"Mrs", "Ms", "Miss", "Mme", "Mlle", "Frau", "Sra.",
					     "Dame", NULL};
	for (size_t i = 0; civ && male[i]; i++)
		if (strcmp(civ, male[i]) == 0)
			return "male";
	for (size_t i = 0; civ && female[i]; i++)
		if (strcmp(civ, female[i]) == 0)
			return "female";
	return NULL;
}

struct tok {
	const char *p;
	size_t n;
};

static size_t tokenize(const char *s, struct tok *t, size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != ' ')
			e++;
		t[n++] = (struct tok){s, (size_t)(e - s)};
		s = e;
	}
	return n;
}

static char *join(const struct tok *t, size_t from, size_t to)
{
	struct cx_buf b = {0};
	for (size_t i = from; i < to; i++) {
		if (i > from)
			cx_buf_addc(&b, ' ');
		cx_buf_add(&b, t[i].p, t[i].n);
	}
	if (b.p == NULL)
		return NULL;
	return b.p;
}

static bool tok_all_upper(const struct tok *t)
{
	return t->n > 1 && case_profile(t->p, t->n) == 2;
}

/* Splits a full name.  Handles a leading civility, "Last, First", the
 * French habit of writing the surname first in capitals ("DUPONT Jean"),
 * and surname particles ("Jean-Pierre van der Berg").  Outputs are
 * malloc'd (or NULL) and not yet recased. */
void contacts_split_full_name(const char *full, char **civ_r, char **first_r, char **last_r)
{
	*civ_r = *first_r = *last_r = NULL;
	char *sq = cx_squeeze(full ? full : "");
	const char *comma = strchr(sq, ',');
	struct tok t[32];
	size_t n;
	if (comma != NULL) {
		/* "van der Berg, Jean-Pierre" */
		char *lastpart = cx_strndup(sq, (size_t)(comma - sq));
		char *rest = cx_squeeze(comma + 1);
		n = tokenize(rest, t, 32);
		size_t i = 0;
		if (n > 1 && (*civ_r = (char *)civility_canon(t[0].p, t[0].n)) != NULL) {
			*civ_r = cx_strdup(*civ_r);
			i = 1;
		}
		*first_r = join(t, i, n);
		char *l = cx_squeeze(lastpart);
		*last_r = *l ? l : NULL;
		if (*last_r == NULL)
			free(l);
		free(lastpart);
		free(rest);
		free(sq);
		return;
	}
	n = tokenize(sq, t, 32);
	size_t i = 0;
	if (n > 1) {
		const char *c = civility_canon(t[0].p, t[0].n);
		if (c != NULL) {
			*civ_r = cx_strdup(c);
			i = 1;
		}
	}
	if (n - i == 1) {
		*first_r = join(t, i, n);
	} else if (n - i >= 2) {
		size_t upper = 0;
		while (i + upper < n && tok_all_upper(&t[i + upper]))
			upper++;
		if (upper > 0 && i + upper < n) {
			/* DUPONT Jean: capitals first, then the first name */
			*last_r = join(t, i, i + upper);
			*first_r = join(t, i + upper, n);
		} else {
			size_t split = i + 1;
			/* the surname starts at the first particle after the first name */
			for (size_t k = i + 1; k < n; k++) {
				char w[16];
				if (t[k].n < sizeof(w)) {
					memcpy(w, t[k].p, t[k].n);
					w[t[k].n] = '\0';
					for (char *q = w; *q; q++)
						*q = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
					if (is_particle(w, t[k].n) && k + 1 < n) {
						split = k;
						break;
					}
				}
				split = n - 1; /* default: last word is the surname */
			}
			*first_r = join(t, i, split);
			*last_r = join(t, split, n);
		}
	}
	free(sq);
}

/* Gender of a first name from the name list; a compound name (Jean-Pierre,
 * Marie Claire) takes its first part's.  NULL when unknown or ambiguous. */
const char *contacts_gender_of(const char *first)
{
	if (first == NULL)
		return NULL;
	char f[128];
	cx_fold_into(first, f, sizeof(f));
	char g = cx_name_gender(f);
	if (g == 0) {
		char *sp = strchr(f, ' ');
		if (sp != NULL) {
			*sp = '\0';
			g = cx_name_gender(f);
			/* "Jean-Pierre": Jean alone is ambiguous, the compound is male */
			if (g == '?') {
				g = cx_name_gender(sp + 1);
				if (strcmp(f, "jean") != 0 && strcmp(f, "marie") != 0)
					g = '?';
				else if (strcmp(f, "marie") == 0 && g == 'm')
					g = 'f';
				else if (strcmp(f, "jean") == 0)
					g = 'm';
			}
		}
	}
	if (g == 'm')
		return "male";
	if (g == 'f')
		return "female";
	return NULL;
}

const char *contacts_civility_for(const char *first, const char *lang)
{
	const char *g = contacts_gender_of(first);
	bool fr = lang && strncmp(lang, "fr", 2) == 0;
	if (g == NULL)
		return NULL;
	if (strcmp(g, "male") == 0)
		return fr ? "M." : "Mr";
	return fr ? "Mme" : "Ms";
}
