/* store internals shared by the backends and the migration runner only. */
#ifndef IRIS_STORE_INTERNAL_H
#define IRIS_STORE_INTERNAL_H

#include <stddef.h>

struct store_migration {
	int number;
	const char *name;
	const char *sql;
};

/* Generated from the NNN_name.sql files of src/store/migrations; ascending, zero-terminated. */
extern const struct store_migration store_migrations[];

#endif
