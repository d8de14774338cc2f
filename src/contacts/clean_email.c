/*
 * contacts/clean_email: e-mail syntax (RFC 5321/5322 practical subset, IDN
 * through libidn2), typo correction of well-known domains, qualification
 * (P-HYG-2).
 */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contacts/contacts_internal.h"

static bool atext(unsigned char c)
{
	if (c >= 0x80)
		return true; /* SMTPUTF8 local parts */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL && c != '\0';
}

/* Dot-atom local part, 1..64 bytes. */
static bool local_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
			continue;
		}
		if (!atext((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* ASCII host name with at least two labels and an alphabetic (or xn--) TLD. */
static bool domain_ok(const char *d)
{
	size_t n = strlen(d), labels = 0, ll = 0;
	if (n == 0 || n > 253)
		return false;
	const char *tld = d;
	for (size_t i = 0; i <= n; i++) {
		char c = d[i];
		if (c == '.' || c == '\0') {
			if (ll == 0 || ll > 63 || d[i - 1] == '-')
				return false;
			labels++;
			ll = 0;
			if (c == '.')
				tld = d + i + 1;
			continue;
		}
		if (ll == 0 && c == '-')
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		ll++;
	}
	if (labels < 2)
		return false;
	if (strncmp(tld, "xn--", 4) == 0)
		return true;
	for (const char *p = tld; *p; p++)
		if (!(*p >= 'a' && *p <= 'z'))
			return false;
	return strlen(tld) >= 2;
}

/* The well-known domain d is a typo of, or NULL.  The nearest known domain
 * within 1 edit (2 for long names) wins only when it is the only one that
 * near, so "mail.com" (itself known) is never "fixed" to gmail.com. */
static const char *domain_typo_fix(const char *d)
{
	const char *best = NULL;
	size_t bestd = 99, ties = 0, len = strlen(d);
	for (size_t i = 0; cx_known_domains[i]; i++) {
		if (strcmp(cx_known_domains[i], d) == 0)
			return NULL;
		size_t dist = contacts_levenshtein(d, cx_known_domains[i], 3);
		if (dist < bestd) {
			bestd = dist;
			best = cx_known_domains[i];
			ties = 0;
		} else if (dist == bestd) {
			ties++;
		}
	}
	size_t limit = len >= 10 ? 2 : 1;
	if (best == NULL || bestd == 0 || bestd > limit || ties > 0 || len < 6)
		return NULL;
	return best;
}

/* Extracts the address from "Name <addr>" or "mailto:addr", trimmed. */
static char *extract_addr(const char *s)
{
	const char *lt = strrchr(s, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	char *a = lt && gt ? cx_strndup(lt + 1, (size_t)(gt - lt - 1)) : cx_strdup(s);
	char *sq = cx_squeeze(a);
	free(a);
	if (strncasecmp(sq, "mailto:", 7) == 0)
		memmove(sq, sq + 7, strlen(sq + 7) + 1);
	/* an address has no spaces: "john smith@x.com" is invalid, not joined */
	return sq;
}

/* Checks and normalises an address; returns it lower-cased with an ASCII
 * domain typo fixed, or NULL when it is not an address (why_r says why). */
char *contacts_clean_email(const char *s, const char **why_r)
{
	const char *why = NULL;
	if (s == NULL)
		return NULL;
	char *a = extract_addr(s);
	for (char *p = a; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	size_t n = strlen(a);
	while (n > 0 && a[n - 1] == '.')
		a[--n] = '\0';
	char *at = strrchr(a, '@');
	if (at == NULL || strchr(a, ' ') || strchr(a, '@') != at) {
		if (why_r)
			*why_r = "not an e-mail address";
		free(a);
		return NULL;
	}
	*at = '\0';
	char *local = a, *dom = at + 1;
	for (char *p = dom; *p; p++)
		if (*p == ',') {
			*p = '.';
			why = "comma in domain replaced";
		}
	char *ascii = NULL;
	bool idn = false;
	for (char *p = dom; *p; p++)
		idn |= (unsigned char)*p >= 0x80;
	if (idn) {
		if (idn2_lookup_u8((const uint8_t *)dom, (uint8_t **)&ascii, IDN2_NFC_INPUT) !=
		    IDN2_OK)
			ascii = NULL;
	} else {
		ascii = cx_strdup(dom);
	}
	char *out = NULL;
	if (!local_ok(local, strlen(local)) || ascii == NULL || !domain_ok(ascii)) {
		why = "invalid e-mail syntax";
		goto out;
	}
	const char *fix = idn ? NULL : domain_typo_fix(dom);
	if (fix != NULL)
		why = "domain typo corrected";
	struct cx_buf b = {0};
	cx_buf_adds(&b, local);
	cx_buf_addc(&b, '@');
	cx_buf_adds(&b, fix ? fix : dom);
	out = b.p;
out:
	if (why_r)
		*why_r = why;
	if (idn)
		idn2_free(ascii);
	else
		free(ascii);
	free(a);
	return out;
}

/* True when the local part is built from the person's names. */
static bool local_is_nominative(const char *local, const char *first, const char *last)
{
	char fl[64], ff[64], lf[64];
	cx_fold_into(local, fl, sizeof(fl));
	ff[0] = lf[0] = '\0';
	if (first)
		cx_fold_into(first, ff, sizeof(ff));
	if (last)
		cx_fold_into(last, lf, sizeof(lf));
	for (char *p = ff; *p; p++)
		if (*p == ' ')
			*p = '\0';
	char *sp = strrchr(lf, ' ');
	const char *lw = sp ? sp + 1 : lf;
	if (strlen(lw) >= 2 && strstr(fl, lw))
		return true;
	if (strlen(ff) >= 3 && strstr(fl, ff))
		return true;
	return false;
}

/* Qualifies a cleaned address like Dropcontact: invalid, disposable, role
 * (info@, contact@ ...), or nominative / other, at a free or professional
 * domain: "nominative@pro", "role@free", "other@pro" ... */
const char *contacts_email_kind(const char *e, const char *first, const char *last)
{
	if (e == NULL)
		return "invalid";
	const char *at = strrchr(e, '@');
	if (at == NULL)
		return "invalid";
	const char *dom = at + 1;
	if (cx_domain_is_disposable(dom))
		return "disposable";
	char local[128];
	size_t ln = (size_t)(at - e) < sizeof(local) - 1 ? (size_t)(at - e) : sizeof(local) - 1;
	memcpy(local, e, ln);
	local[ln] = '\0';
	bool fr = cx_domain_is_free(dom);
	if (cx_local_is_role(local))
		return fr ? "role@free" : "role@pro";
	if (local_is_nominative(local, first, last))
		return fr ? "nominative@free" : "nominative@pro";
	return fr ? "other@free" : "other@pro";
}
