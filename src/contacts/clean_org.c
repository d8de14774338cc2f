/*
 * contacts/clean_org: company and website from a professional e-mail domain
 * (registrable domain through libpsl), website normalisation, job titles
 * (P-HYG-2).
 */
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contacts/contacts_internal.h"

/* The registrable domain ("mail.acme.co.uk" -> "acme.co.uk") from the
 * built-in public suffix list; malloc'd, or NULL. */
char *contacts_registrable_domain(const char *host)
{
	if (host == NULL || *host == '\0')
		return NULL;
	const psl_ctx_t *psl = psl_builtin();
	if (psl == NULL)
		return NULL;
	char *low = cx_strdup(host);
	for (char *p = low; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	const char *r = psl_registrable_domain(psl, low);
	char *out = r ? cx_strdup(r) : NULL;
	free(low);
	return out;
}

/* Capitalises the words of a domain label: "acme-corp" -> "Acme Corp". */
static char *label_to_name(const char *label, size_t n)
{
	char *s = cx_strndup(label, n);
	bool up = true;
	for (char *p = s; *p; p++) {
		if (*p == '-' || *p == '_') {
			*p = ' ';
			up = true;
			continue;
		}
		if (up && *p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
		up = false;
	}
	return s;
}

/* A company name from a professional address: the registrable domain's
 * first label.  NULL for free-mail, disposable or unknown domains. */
char *contacts_company_from_email(const char *e)
{
	const char *at = e ? strrchr(e, '@') : NULL;
	if (at == NULL || cx_domain_is_free(at + 1) || cx_domain_is_disposable(at + 1))
		return NULL;
	char *reg = contacts_registrable_domain(at + 1);
	if (reg == NULL)
		return NULL;
	size_t n = strcspn(reg, ".");
	char *name = n > 0 ? label_to_name(reg, n) : NULL;
	free(reg);
	return name;
}

/* "https://www.Acme.com:443/about?x" -> "acme.com": scheme, credentials,
 * "www.", port, path and query go; the host is lower-cased. */
char *contacts_clean_website(const char *s)
{
	if (s == NULL)
		return NULL;
	char *sq = cx_squeeze(s);
	const char *p = sq;
	const char *scheme = strstr(p, "://");
	if (scheme)
		p = scheme + 3;
	const char *atp = strchr(p, '@');
	size_t hostlen = strcspn(p, "/?#");
	if (atp && (size_t)(atp - p) < hostlen) {
		p = atp + 1;
		hostlen = strcspn(p, "/?#");
	}
	char *host = cx_strndup(p, hostlen);
	free(sq);
	char *colon = strchr(host, ':');
	if (colon)
		*colon = '\0';
	for (char *q = host; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q + 32);
	size_t n = strlen(host);
	while (n > 0 && host[n - 1] == '.')
		host[--n] = '\0';
	if (strncmp(host, "www.", 4) == 0)
		memmove(host, host + 4, strlen(host + 4) + 1);
	if (strchr(host, '.') == NULL || strchr(host, ' ')) {
		free(host);
		return NULL;
	}
	return host;
}

static bool is_acronym(const char *w, size_t n)
{
	static const char *const acr[] = {"ceo", "cto", "cfo", "coo", "cio", "cmo", "vp",
					  "svp", "evp", "hr", "it", "pdg", "dg", "daf", "drh",
					  "dsi", "rh", "qa", "ux", "ui", "r&d", "b2b", "b2c",
					  "seo", "crm", "erp", "dpo", "ciso", NULL};
	for (size_t i = 0; acr[i]; i++)
		if (strlen(acr[i]) == n && strncasecmp(acr[i], w, n) == 0)
			return true;
	return false;
}

/* Trims a job title and, when it is all one case, gives it title case
 * with acronyms (CEO, VP, HR) in capitals and small words in lower case. */
char *contacts_clean_job_title(const char *s)
{
	if (s == NULL)
		return NULL;
	char *sq = cx_squeeze(s);
	if (*sq == '\0') {
		free(sq);
		return NULL;
	}
	bool lo = false, up = false;
	for (char *p = sq; *p; p++) {
		lo |= *p >= 'a' && *p <= 'z';
		up |= *p >= 'A' && *p <= 'Z';
	}
	if (lo && up)
		return sq;
	static const char *const small[] = {"of", "and", "the", "for", "in", "de", "des",
					    "du", "et", "la", "le", NULL};
	char *p = sq;
	bool first = true;
	while (*p) {
		size_t n = strcspn(p, " ");
		bool sm = false;
		for (size_t i = 0; small[i] && !first; i++)
			sm |= strlen(small[i]) == n && strncasecmp(small[i], p, n) == 0;
		bool acr = is_acronym(p, n);
		for (size_t i = 0; i < n; i++) {
			char c = p[i];
			bool cap = acr || (i == 0 && !sm);
			if (cap && c >= 'a' && c <= 'z')
				p[i] = (char)(c - 32);
			else if (!cap && c >= 'A' && c <= 'Z')
				p[i] = (char)(c + 32);
		}
		p += n;
		while (*p == ' ')
			p++;
		first = false;
	}
	return sq;
}
