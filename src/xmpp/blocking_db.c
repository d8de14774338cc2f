/*
 * xmpp/blocking_db: the stored block lists of XEP-0191 (table
 * xep_blocklist), worker thread only. The loop keeps every block in
 * memory (xep.c); these functions load them once and write each change.
 */
#include "core/xalloc.h"
#include "store/store.h"
#include "xmpp/xep_internal.h"

#include <stdlib.h>

int blocking_db_load_all(struct store *st, struct block_row **rows_r, size_t *n_r)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT a.username, b.jid FROM xep_blocklist b JOIN accounts a ON a.id = b.owner_id",
	    "");
	struct block_row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;
	*rows_r = NULL;
	*n_r = 0;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			rows = xrealloc(rows, cap * sizeof(*rows));
		}
		rows[n].owner = xstrdup(store_col_text(q, 0));
		rows[n].jid = xstrdup(store_col_text(q, 1));
		n++;
	}
	store_stmt_done(q);
	if (rc != STORE_DONE) {
		blocking_db_rows_free(rows, n);
		return -1;
	}
	*rows_r = rows;
	*n_r = n;
	return 0;
}

void blocking_db_rows_free(struct block_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].owner);
		free(rows[i].jid);
	}
	free(rows);
}

int blocking_db_add(struct store *st, const char *owner_id, const char *jid, int64_t now_ms)
{
	return store_run(st,
	                 "INSERT OR IGNORE INTO xep_blocklist (owner_id, jid, created_at) VALUES "
	                 "(?, ?, ?)",
	                 "ssi", owner_id, jid, now_ms) == STORE_DONE
	           ? 0
	           : -1;
}

int blocking_db_remove(struct store *st, const char *owner_id, const char *jid)
{
	return store_run(st, "DELETE FROM xep_blocklist WHERE owner_id = ? AND jid = ?", "ss",
	                 owner_id, jid) == STORE_DONE
	           ? 0
	           : -1;
}

int blocking_db_clear(struct store *st, const char *owner_id)
{
	return store_run(st, "DELETE FROM xep_blocklist WHERE owner_id = ?", "s", owner_id) ==
	               STORE_DONE
	           ? 0
	           : -1;
}
