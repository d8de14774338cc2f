/*
 * domain/accounts_internal: helpers shared by the accounts, tenants, auth
 * and profile files (and their tests); not a contract for other modules.
 */
#ifndef IRIS_DOMAIN_ACCOUNTS_INTERNAL_H
#define IRIS_DOMAIN_ACCOUNTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/accounts.h"

struct app;
struct store;
struct store_stmt;

/* Current Unix time in seconds. */
int64_t acc_now(void);
/* Current Unix time in milliseconds. */
int64_t acc_now_ms(void);
/* Lowercase hex SHA-256 of len bytes (out: 65 bytes). */
void acc_sha256_hex(const void *data, size_t len, char out[65]);

/* Seals len bytes for account_id of tenant_id bound to (table, row_id,
 * column); *sealed_r malloc'd. */
int acc_seal(struct app *app, struct store *st, const char *tenant_id, const char *account_id,
             const char *table, const char *row_id, const char *column, const void *value,
             size_t len, unsigned char **sealed_r, size_t *sealed_len_r);
/* Seals text (or bytes) for account_id of tenant_id, bound to
 * (table, row_id, column), and stores it with
 *   UPDATE <table> SET <column> = ? WHERE <key_col> = ?
 * (value NULL: sets the column to NULL). Call inside a transaction. */
int acc_seal_column(struct app *app, struct store *st, const char *tenant_id,
                    const char *account_id, const char *table, const char *key_col,
                    const char *row_id, const char *column, const void *value, size_t len);
/* Opens a sealed column value of the current row of stmt (col index);
 * *plain_r malloc'd and NUL-terminated, NULL when the column is NULL.
 * Free with free_plain(). Returns -1 when it cannot be opened. */
int acc_open_column(struct app *app, struct store *st, const char *tenant_id,
                    const char *account_id, const char *table, const char *row_id,
                    const char *column, const void *sealed, size_t sealed_len, char **plain_r,
                    size_t *len_r);
void acc_free_plain(char *plain, size_t len);

/* Appends an audit entry in the current transaction. fields: comma-separated
 * names, never values. */
int acc_audit(struct app *app, struct store *st, const struct actor *actor, const char *tenant_id,
              const char *action, const char *target_type, const char *target_id,
              const char *fields, bool instruction);

/* Normalises an e-mail address for the blind index (lowercase); out holds
 * ACCOUNTS_EMAIL_MAX + 1 bytes. -1 when invalid. */
int acc_email_normalise(const char *email, char *out, size_t outlen);
/* Blind index of a normalised e-mail (installation-wide, purpose "email"). */
int acc_email_index(struct app *app, struct store *st, const char *normalised, char out[65]);

/* SCRAM-SHA-256 and SCRAM-SHA-1 credential texts (malloc'd) for password. */
int acc_credentials(struct app *app, const char *password, char **sha256_r, char **sha1_r);
/* A random one-time password (24 characters from an unambiguous alphabet). */
void acc_random_password(char out[64]);

/* Fills acc from a row "id, tenant_id, username, role, status,
 * must_change_password, created_at" starting at column 0. */
void acc_from_row(struct store_stmt *stmt, struct account *acc);
#define ACC_COLUMNS "id, tenant_id, username, role, status, must_change_password, created_at"

/* What is checked and computed before the transaction: PBKDF2 is slow and
 * must not run while the write lock is held. */
struct acc_prepared {
	char *sha256, *sha1;
	char password[64]; /* the drawn one-time password when in->password is NULL */
	char email[ACCOUNTS_EMAIL_MAX + 1]; /* normalised, "" when none */
};
/* Validates in and computes its credentials (no store access). */
int acc_prepare(struct app *app, const struct account_new *in, struct acc_prepared *p,
                const char **error_r);
/* Inserts a prepared account in the caller's transaction (with audit). */
int acc_insert_tx(struct app *app, struct store *st, const struct actor *actor,
                  const struct account_new *in, const struct acc_prepared *p,
                  char id_r[IDS_UUID_LEN], const char **error_r);
void acc_prepared_free(struct acc_prepared *p);

/* Inserts the account rows (accounts, account_profiles) in the caller's
 * transaction; see accounts_create. */
int accounts_create_tx(struct app *app, struct store *st, const struct actor *actor,
                       const struct account_new *in, char id_r[IDS_UUID_LEN], char password_r[64],
                       const char **error_r);
/* Re-seals every sealed value of account_id from tenant from to tenant to and
 * destroys the old subject key (a freemium user who founds a company). */
int accounts_move_tenant_tx(struct app *app, struct store *st, const char *account_id,
                            const char *from, const char *to, const char **error_r);

#endif
