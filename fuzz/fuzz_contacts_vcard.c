/* libFuzzer target: contacts vCard import and re-export. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "contacts/contacts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	if (contacts_book_import_vcard(b, (const char *)data, size, &err) == 0) {
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			contacts_book_export_vcard(b, f, &err);
			fclose(f);
		}
	}
	contacts_book_free(&b);
	return 0;
}
