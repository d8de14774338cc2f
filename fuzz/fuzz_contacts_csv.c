/* libFuzzer target: contacts CSV import (any delimiter, limits, repairs) and
 * export of what was imported. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "contacts/contacts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct contacts_book *b = contacts_book_new();
	struct contacts_import_opts o = {.limits = {.max_field = 256, .max_columns = 64,
						    .max_row = 4096}};
	const char *err = NULL;
	if (contacts_book_import_csv(b, (const char *)data, size, &o, &err) == 0) {
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			contacts_book_export_csv(b, f, ',', NULL, &err);
			contacts_book_export_vcard(b, f, &err);
			fclose(f);
		}
	}
	contacts_book_free(&b);
	return 0;
}
