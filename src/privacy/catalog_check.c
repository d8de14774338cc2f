/*
 * privacy/catalog_check: the schema-completeness check and the validation of
 * every registered entry (catalog.h). Both build a malloc'd, comma-separated
 * list of what is wrong so that a failing test names every culprit at once.
 */
#include "privacy/catalog.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* A growing ", "-separated list; text is NULL while empty. */
struct problem_list {
	char *text;
	size_t len;
	size_t count;
};

static void problem_add(struct problem_list *list, const char *a, const char *b, const char *c)
{
	const char *parts[] = {list->count > 0 ? ", " : "", a, b, c};
	size_t add = 0;
	for (size_t i = 0; i < 4; i++)
		add += parts[i] != NULL ? strlen(parts[i]) : 0;
	list->text = xrealloc(list->text, list->len + add + 1);
	for (size_t i = 0; i < 4; i++) {
		size_t n = parts[i] != NULL ? strlen(parts[i]) : 0;
		if (n == 0)
			continue;
		memcpy(list->text + list->len, parts[i], n);
		list->len += n;
	}
	list->text[list->len] = '\0';
	list->count++;
}

static void check_column(const char *table, const char *column, void *ctx)
{
	if (privacy_catalog_find(table, column) == NULL)
		problem_add(ctx, table, ".", column);
}

int privacy_catalog_check_schema(struct store *st, char **missing_r)
{
	struct problem_list missing = {0};
	*missing_r = NULL;
	if (store_each_column(st, check_column, &missing) < 0) {
		free(missing.text);
		*missing_r = xstrdup("cannot list the schema's columns");
		return -1;
	}
	if (missing.count == 0)
		return 0;
	*missing_r = missing.text;
	return -1;
}

static bool text_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Returns what is missing from a personal entry, or NULL when complete. */
static const char *personal_gap(const struct catalog_column *e)
{
	if (!text_set(e->category))
		return " (personal: no category)";
	if (strncmp(e->category, "dpv", 3) != 0)
		return " (personal: category is not a DPV term)";
	if (!text_set(e->subject))
		return " (personal: no data subject)";
	if (!text_set(e->purpose))
		return " (personal: no purpose)";
	if (!text_set(e->legal_basis))
		return " (personal: no legal basis)";
	if (!text_set(e->retention) || e->retention_days < 0)
		return " (personal: no retention)";
	if (e->erasure == ERASE_NOT_PERSONAL)
		return " (personal: no erasure action)";
	if (e->erasure == ERASE_SHRED && !e->sealed)
		return " (crypto-shredding needs a sealed column)";
	return NULL;
}

/* Returns what is wrong with a non-personal entry, or NULL. */
static const char *technical_gap(const struct catalog_column *e)
{
	if (!text_set(e->note))
		return " (not personal: no note saying why)";
	if (e->erasure != ERASE_NOT_PERSONAL)
		return " (not personal, yet has an erasure action)";
	if (e->sealed)
		return " (not personal, yet sealed)";
	return NULL;
}

static void validate_entry(const struct catalog_column *e, void *ctx)
{
	struct problem_list *list = ctx;
	const char *gap;
	if (!text_set(e->column)) {
		problem_add(list, e->table, ".", "(no column name)");
		return;
	}
	gap = e->personal ? personal_gap(e) : technical_gap(e);
	if (gap == NULL && privacy_catalog_find(e->table, e->column) != e)
		gap = " (declared more than once)";
	if (gap != NULL) {
		char *where = xasprintf("%s.%s", e->table, e->column);
		problem_add(list, where, gap, NULL);
		free(where);
	}
}

int privacy_catalog_validate(char **error_r)
{
	struct problem_list list = {0};
	*error_r = NULL;
	privacy_catalog_each(validate_entry, &list);
	if (list.count == 0)
		return 0;
	*error_r = list.text;
	return -1;
}
