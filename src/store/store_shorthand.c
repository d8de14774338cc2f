/* store shorthands: store_query() and store_run() over the backend calls. */
#include "store/store.h"

#include <stdarg.h>

/* Binds the variadic arguments described by fmt; -1 on an unknown letter. */
static int bind_va(struct store_stmt *stmt, const char *fmt, va_list *ap)
{
	int idx = 1;
	for (const char *f = fmt; f != NULL && *f != '\0'; f++, idx++) {
		int rc;
		switch (*f) {
		case 's':
			rc = store_bind_text(stmt, idx, va_arg(*ap, const char *));
			break;
		case 'i':
			rc = store_bind_int(stmt, idx, va_arg(*ap, int64_t));
			break;
		case 'd':
			rc = store_bind_int(stmt, idx, va_arg(*ap, int));
			break;
		case 'b': {
			const void *p = va_arg(*ap, const void *);
			size_t len = va_arg(*ap, size_t);
			rc = store_bind_blob(stmt, idx, p, len);
			break;
		}
		case 'n':
			rc = store_bind_null(stmt, idx);
			break;
		default:
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static struct store_stmt *store_vquery(struct store *store, const char *sql, const char *fmt,
				       va_list *ap)
{
	struct store_stmt *stmt = store_prepare(store, sql);
	if (stmt == NULL)
		return NULL;
	if (bind_va(stmt, fmt, ap) < 0) {
		store_stmt_done(stmt);
		return NULL;
	}
	return stmt;
}

struct store_stmt *store_query(struct store *store, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct store_stmt *stmt = store_vquery(store, sql, fmt, &ap);
	va_end(ap);
	return stmt;
}

int store_run(struct store *store, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct store_stmt *stmt = store_vquery(store, sql, fmt, &ap);
	va_end(ap);
	if (stmt == NULL)
		return STORE_ERROR;
	int rc;
	while ((rc = store_step(stmt)) == STORE_ROW)
		;
	store_stmt_done(stmt);
	return rc;
}
