/*
 * privacy/catalog: the registry of catalog fragments (catalog.h).
 *
 * Fragments are static arrays owned by their modules; the registry only keeps
 * pointers to them. Lookups go through an open-addressed hash table keyed by
 * (table, column), rebuilt when a fragment is registered, so a lookup costs
 * one hash and a probe or two however many thousands of entries there are.
 *
 * Registration happens at start-up, before worker threads run; after that
 * the registry is only read, which is safe from any thread.
 */
#include "core/module.h"
#include "privacy/catalog.h"
#include "core/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct catalog_registry {
	const struct catalog_column **fragments;
	size_t fragment_count;
	/* Every entry, in registration order (for privacy_catalog_each). */
	const struct catalog_column **entries;
	size_t entry_count;
	/* Open-addressed index over entries; size is a power of two. */
	const struct catalog_column **slots;
	size_t slot_count;
};

static struct catalog_registry registry;

/* Table declarations (few: a linear list is enough). */
static struct {
	const struct catalog_table **items;
	size_t count;
} tables;

static uint64_t column_hash(const char *table, const char *column)
{
	uint64_t h = 14695981039346656037ull;
	for (const unsigned char *p = (const unsigned char *)table; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ull;
	h = (h ^ '.') * 1099511628211ull;
	for (const unsigned char *p = (const unsigned char *)column; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

static bool entry_is(const struct catalog_column *e, const char *table, const char *column)
{
	return strcmp(e->table, table) == 0 && strcmp(e->column, column) == 0;
}

/* Inserts e unless an entry for the same column is already indexed: the
 * first registration wins and privacy_catalog_validate() reports the
 * duplicate. */
static void index_insert(const struct catalog_column *e)
{
	size_t mask = registry.slot_count - 1;
	for (size_t i = column_hash(e->table, e->column) & mask;; i = (i + 1) & mask) {
		if (registry.slots[i] == NULL) {
			registry.slots[i] = e;
			return;
		}
		if (entry_is(registry.slots[i], e->table, e->column))
			return;
	}
}

/* Keeps the load factor at or below one half. */
static void index_rebuild(void)
{
	size_t want = 64;
	while (want < registry.entry_count * 2)
		want *= 2;
	free(registry.slots);
	registry.slots = xcalloc(want, sizeof(*registry.slots));
	registry.slot_count = want;
	for (size_t i = 0; i < registry.entry_count; i++)
		index_insert(registry.entries[i]);
}

void privacy_catalog_register(const struct catalog_column *fragment)
{
	size_t n = 0;
	for (size_t i = 0; i < registry.fragment_count; i++) {
		if (registry.fragments[i] == fragment)
			return;
	}
	registry.fragments = xrealloc(registry.fragments,
	                              (registry.fragment_count + 1) * sizeof(*registry.fragments));
	registry.fragments[registry.fragment_count++] = fragment;
	while (fragment[n].table != NULL)
		n++;
	registry.entries =
	    xrealloc(registry.entries, (registry.entry_count + n + 1) * sizeof(*registry.entries));
	for (size_t i = 0; i < n; i++)
		registry.entries[registry.entry_count++] = &fragment[i];
	index_rebuild();
}

void privacy_catalog_reset(void)
{
	free(registry.fragments);
	free(registry.entries);
	free(registry.slots);
	memset(&registry, 0, sizeof(registry));
	free(tables.items);
	memset(&tables, 0, sizeof(tables));
}

const struct catalog_column *privacy_catalog_find(const char *table, const char *column)
{
	if (registry.slot_count == 0 || table == NULL || column == NULL)
		return NULL;
	size_t mask = registry.slot_count - 1;
	for (size_t i = column_hash(table, column) & mask; registry.slots[i] != NULL;
	     i = (i + 1) & mask) {
		if (entry_is(registry.slots[i], table, column))
			return registry.slots[i];
	}
	return NULL;
}

void privacy_catalog_each(void (*fn)(const struct catalog_column *entry, void *ctx), void *ctx)
{
	for (size_t i = 0; i < registry.entry_count; i++)
		fn(registry.entries[i], ctx);
}

unsigned privacy_catalog_count(void)
{
	return (unsigned)registry.entry_count;
}

const char *privacy_catalog_erasure_name(enum catalog_erasure erasure)
{
	switch (erasure) {
	case ERASE_NOT_PERSONAL:
		return "not personal";
	case ERASE_DELETE:
		return "delete";
	case ERASE_SHRED:
		return "crypto-shred";
	case ERASE_ANONYMISE:
		return "anonymise";
	case ERASE_KEEP_LEGAL:
		return "keep under legal duty";
	}
	return "unknown";
}

const char *privacy_catalog_export_name(enum catalog_export export_as)
{
	switch (export_as) {
	case EXPORT_NONE:
		return "none";
	case EXPORT_VALUE:
		return "value";
	case EXPORT_FILE:
		return "file";
	}
	return "unknown";
}

static void register_module_catalog(const struct module *m, void *ctx)
{
	if (m->columns != NULL)
		privacy_catalog_register(m->columns);
	if (m->tables != NULL)
		privacy_catalog_register_tables(m->tables);
}

void privacy_catalog_register_modules(void)
{
	module_each(register_module_catalog, NULL);
}

void privacy_catalog_register_tables(const struct catalog_table *fragment)
{
	for (const struct catalog_table *t = fragment; t->table != NULL; t++) {
		bool known = false;
		for (size_t i = 0; i < tables.count && !known; i++)
			known = tables.items[i] == t;
		if (known)
			continue;
		tables.items = xrealloc(tables.items, (tables.count + 1) * sizeof(*tables.items));
		tables.items[tables.count++] = t;
	}
}

const struct catalog_table *privacy_catalog_find_table(const char *table)
{
	for (size_t i = 0; table != NULL && i < tables.count; i++)
		if (strcmp(tables.items[i]->table, table) == 0)
			return tables.items[i];
	return NULL;
}

void privacy_catalog_each_table(void (*fn)(const struct catalog_table *t, void *ctx), void *ctx)
{
	for (size_t i = 0; i < tables.count; i++)
		fn(tables.items[i], ctx);
}

unsigned privacy_catalog_table_count(void)
{
	return (unsigned)tables.count;
}

static void problem(char **list, const char *table, const char *what)
{
	char *old = *list;
	*list = xasprintf("%s%s%s (%s)", old ? old : "", old ? ", " : "", table, what);
	free(old);
}

struct table_check {
	char *problems;
};

static void check_column_table(const struct catalog_column *e, void *ctx)
{
	struct table_check *c = ctx;
	if (!e->personal || privacy_catalog_find_table(e->table) != NULL)
		return;
	/* Report each table once. */
	char key[160];
	snprintf(key, sizeof(key), "%s (", e->table);
	if (c->problems != NULL && strstr(c->problems, key) != NULL)
		return;
	problem(&c->problems, e->table, "personal columns but no table declaration");
}

int privacy_catalog_check_tables(char **error_r)
{
	struct table_check c = {NULL};
	*error_r = NULL;
	privacy_catalog_each(check_column_table, &c);
	for (size_t i = 0; i < tables.count; i++) {
		const struct catalog_table *t = tables.items[i];
		const char *cols[] = {t->subject_column, t->tenant_column, t->row_column};
		for (size_t k = 0; k < 3; k++)
			if (cols[k] != NULL && privacy_catalog_find(t->table, cols[k]) == NULL)
				problem(&c.problems, t->table, "declared column not catalogued");
		if (t->subject_column == NULL && (t->note == NULL || t->note[0] == '\0'))
			problem(&c.problems, t->table, "no subject column and no note");
	}
	*error_r = c.problems;
	return c.problems == NULL ? 0 : -1;
}
