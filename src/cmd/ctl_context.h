/* cmd/ctl_context: what an irisctl command opens: settings, app, store. */
#ifndef IRIS_CMD_CTL_CONTEXT_H
#define IRIS_CMD_CTL_CONTEXT_H

#include "cmd/ctl_commands.h"
#include "core/config.h"
#include "core/ids.h"
#include "domain/app.h"

#include <stddef.h>

struct ctl_context {
	struct config cfg;
	struct app app;
	struct store *st;
};

/* Loads settings and opens an existing data directory (never creates one).
 * Prints the reason and returns -1 on failure. */
int ctl_context_open(const struct ctl *ctl, struct ctl_context *cx);
void ctl_context_close(struct ctl_context *cx);

/* The one reading of a tenant argument: a tenant id, or the name of exactly
 * one tenant. ctl_tenant_find() returns 0 (id_r set), 1 when there is no
 * such tenant, -1 on a database error; ctl_tenant_resolve() prints "no
 * tenant named X" (or the error) and returns -1 unless found. */
int ctl_tenant_find(struct ctl_context *cx, const char *name_or_id, char id_r[IDS_UUID_LEN]);
int ctl_tenant_resolve(struct ctl_context *cx, const char *name_or_id, char id_r[IDS_UUID_LEN]);
/* The same where the installation itself is a valid answer: "-", "" or NULL
 * give id_r "" (accounts in no tenant: operators, freemium users). */
int ctl_tenant_resolve_or_none(struct ctl_context *cx, const char *name_or_id,
                               char id_r[IDS_UUID_LEN]);

/* Reads one line (a password) from standard input with read(2), without
 * its line end, into buf (cap bytes). Returns its length, or -1 (nothing
 * read, or too long) with buf wiped. The caller wipes buf after use. */
int ctl_read_secret_line(char *buf, size_t cap);
/* The same for all of standard input up to its end (a text of several
 * lines, such as the answer to a privacy request), without the last line
 * end. -1 when empty or longer than cap - 1 bytes. */
int ctl_read_stdin_text(char *buf, size_t cap);

#endif
