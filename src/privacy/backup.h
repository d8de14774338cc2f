/*
 * privacy/backup: encrypted, consistent backups and their restore (P-AVL-1;
 * docs/backup.md).
 *
 * backup_write() takes a consistent online copy of the database (SQLite's
 * backup API, while irisd runs), and streams a manifest and that copy into
 * one file encrypted with AES-256-GCM in 64 KiB chunks. The file key is
 * derived from the installation's "backup" key (keys_derive, from the
 * master key) and a random 16-byte salt in the header; each chunk's nonce is
 * its index and its associated data binds the header hash, the index, the
 * length and a final-chunk flag, so any edit, truncation, reordering or
 * appended data is refused. A key-check value in the header tells a wrong
 * master key from a damaged file. The backup file never holds plaintext;
 * the transient plain copy lives in the data directory (mode 0600, same
 * protection as the live database) and is removed at once.
 *
 * Restoring needs the backup file and the master key file, kept apart from
 * the backups by the operator; it only writes into an empty (or absent)
 * data directory.
 */
#ifndef IRIS_PRIVACY_BACKUP_H
#define IRIS_PRIVACY_BACKUP_H

#include <stdint.h>

struct keys;
struct store;

#define BACKUP_CHUNK_BYTES 65536

struct backup_info {
	char id[40];
	int64_t created_at; /* Unix seconds, when the copy was taken */
	int schema_version; /* of the copied database */
	uint64_t db_bytes;  /* size of the copied database */
	char db_sha256[65]; /* of the copied database, hex */
};

/* Writes an encrypted backup of st (the live store of data_dir) to out_path
 * (atomically: a temporary file renamed into place, mode 0600) and records
 * the run in backup_runs. Returns 0 or -1 with a static *error_r. */
int backup_write(struct keys *keys, struct store *st, const char *data_dir, const char *out_path,
                 struct backup_info *info, const char **error_r);

/* Decrypts and checks in_path with the master key in key_path and writes
 * new_dir/iris.db and new_dir/master.key (0600). new_dir must be absent
 * (it is created, 0700) or an empty directory. Nothing is left behind on
 * failure. Errors: "the data directory is not empty", "the master key does
 * not match this backup", "the backup is damaged or was tampered with",
 * "the backup is truncated", ... (static strings). */
int backup_restore(const char *in_path, const char *key_path, const char *new_dir,
                   struct backup_info *info, const char **error_r);

/* Catalog fragment: extern const struct catalog_column backup_catalog[]; */
/* The backups' module descriptor (core/module.h): catalog and the erasure
 * ledger written at every erasure. */
extern const struct module backup_module;

#endif
