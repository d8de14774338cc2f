/* libFuzzer target: the single-value cleaners (names, e-mail, phone,
 * website, job title) and the pair comparison on arbitrary strings. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	const char *why = NULL, *type = NULL;
	free(contacts_clean_name_part(s, 0));
	free(contacts_clean_name_part(s, 1));
	char *c, *f, *l;
	contacts_split_full_name(s, &c, &f, &l);
	free(c);
	free(f);
	free(l);
	(void)contacts_civility_for(s, "fr");
	char *e = contacts_clean_email(s, &why);
	(void)contacts_email_kind(e, s, s);
	free(contacts_company_from_email(e));
	free(e);
	free(contacts_clean_phone(s, "FR", &type));
	free(contacts_clean_website(s));
	free(contacts_clean_job_title(s));
	struct contacts_book *b = contacts_book_new();
	struct contact *x = contacts_book_add(b), *y = contacts_book_add(b);
	contacts_set(b, x, CF_FIRST, s);
	contacts_set(b, x, CF_BIRTH_DATE, s);
	contacts_set(b, y, CF_LAST, s);
	contacts_set(b, y, CF_FIRST, size > 3 ? s + 3 : s);
	uint8_t lv[CONTACTS_NCOMP];
	contacts_compare(x, y, lv);
	contacts_book_free(&b);
	free(s);
	return 0;
}
