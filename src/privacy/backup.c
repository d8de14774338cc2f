/*
 * privacy/backup: see backup.h. File layout (all integers big-endian):
 *
 *   header (64 bytes): "IRISBAK\x01" | u32 version (1) | u32 chunk size |
 *                      salt[16] | kcv[16] | u64 created_at | 8 zero bytes
 *   chunks:            u32 plain_len | u8 final | ciphertext | tag[16]
 *
 * file key = HMAC-SHA-256(backup key, "iris-backup-v1 file\0" || salt),
 * kcv      = HMAC-SHA-256(backup key, "iris-backup-v1 kcv\0" || salt)[0..16],
 * nonce    = 4 zero bytes || u64 chunk index,
 * AD       = SHA-256(header) || u64 index || u8 final || u32 plain_len.
 *
 * The decrypted stream is a list of entries (u32 name_len | name | u64 size
 * | bytes) ended by a zero name_len: "manifest.json" first, then "iris.db".
 */
#include "privacy/backup.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "privacy/catalog.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEADER_BYTES 64
#define MAGIC "IRISBAK\x01"
#define TAG_BYTES 16
#define MANIFEST_MAX (64 * 1024)
#define NAME_MAX_BYTES 64

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* File key and key-check value from the installation's backup key. */
static int derive(struct keys *keys, const unsigned char salt[16], unsigned char file_key[32],
                  unsigned char kcv[16])
{
	unsigned char k0[32], msg[64], out[32];
	unsigned int len = 0;
	int ret = -1;
	if (keys_derive(keys, "backup", k0) < 0)
		return -1;
	static const char file_label[] = "iris-backup-v1 file";
	static const char kcv_label[] = "iris-backup-v1 kcv";
	memcpy(msg, file_label, sizeof(file_label)); /* with its NUL */
	memcpy(msg + sizeof(file_label), salt, 16);
	if (HMAC(EVP_sha256(), k0, 32, msg, sizeof(file_label) + 16, file_key, &len) == NULL)
		goto out;
	memcpy(msg, kcv_label, sizeof(kcv_label));
	memcpy(msg + sizeof(kcv_label), salt, 16);
	if (HMAC(EVP_sha256(), k0, 32, msg, sizeof(kcv_label) + 16, out, &len) == NULL)
		goto out;
	memcpy(kcv, out, 16);
	ret = 0;
out:
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(out, sizeof(out));
	return ret;
}

/* One encrypted stream, written or read chunk by chunk. */
struct bstream {
	FILE *f;
	unsigned char key[32];
	unsigned char header_hash[32];
	uint64_t index;
	unsigned char *buf; /* plaintext of the current chunk */
	size_t len, pos;    /* writer: bytes buffered; reader: bytes in buf, next to hand out */
	bool final_seen;
	const char *error;
};

static void nonce_ad(const struct bstream *s, bool final, uint32_t len, unsigned char nonce[12],
                     unsigned char ad[45])
{
	memset(nonce, 0, 4);
	put64(nonce + 4, s->index);
	memcpy(ad, s->header_hash, 32);
	put64(ad + 32, s->index);
	ad[40] = final ? 1 : 0;
	put32(ad + 41, len);
}

static int gcm(bool enc, const unsigned char key[32], const unsigned char nonce[12],
               const unsigned char *ad, size_t ad_len, const unsigned char *in, size_t len,
               unsigned char *out, unsigned char tag[TAG_BYTES])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok = c != NULL;
	ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc ? 1 : 0) == 1;
	ok = ok && EVP_CipherUpdate(c, NULL, &n, ad, (int)ad_len) == 1;
	ok = ok && (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) == 1;
	ok = ok && EVP_CipherFinal_ex(c, out + (len ? (size_t)n : 0), &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int emit(struct bstream *s, bool final)
{
	unsigned char nonce[12], ad[45], head[5], tag[TAG_BYTES];
	unsigned char *ct = xmalloc(s->len ? s->len : 1);
	nonce_ad(s, final, (uint32_t)s->len, nonce, ad);
	put32(head, (uint32_t)s->len);
	head[4] = final ? 1 : 0;
	int rc = gcm(true, s->key, nonce, ad, sizeof(ad), s->buf, s->len, ct, tag);
	if (rc == 0 &&
	    (fwrite(head, 1, 5, s->f) != 5 || (s->len && fwrite(ct, 1, s->len, s->f) != s->len) ||
	     fwrite(tag, 1, TAG_BYTES, s->f) != TAG_BYTES))
		rc = -1;
	free(ct);
	s->index++;
	s->len = 0;
	if (rc < 0)
		s->error = "cannot write the backup file";
	return rc;
}

static int put(struct bstream *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	while (n > 0) {
		size_t take = BACKUP_CHUNK_BYTES - s->len;
		if (take > n)
			take = n;
		memcpy(s->buf + s->len, p, take);
		s->len += take;
		p += take;
		n -= take;
		if (s->len == BACKUP_CHUNK_BYTES && emit(s, false) < 0)
			return -1;
	}
	return 0;
}

/* Reads and opens the next chunk into buf. */
static int refill(struct bstream *s)
{
	unsigned char head[5], nonce[12], ad[45], tag[TAG_BYTES];
	if (s->final_seen) {
		s->error = "the backup is damaged or was tampered with";
		return -1;
	}
	size_t got = fread(head, 1, 5, s->f);
	if (got == 0 && feof(s->f)) {
		s->error = "the backup is truncated";
		return -1;
	}
	uint32_t len = get32(head);
	if (got != 5 || len > BACKUP_CHUNK_BYTES || head[4] > 1) {
		s->error = got != 5 ? "the backup is truncated"
		                    : "the backup is damaged or was tampered with";
		return -1;
	}
	unsigned char *ct = xmalloc(len ? len : 1);
	if ((len && fread(ct, 1, len, s->f) != len) ||
	    fread(tag, 1, TAG_BYTES, s->f) != TAG_BYTES) {
		free(ct);
		s->error = "the backup is truncated";
		return -1;
	}
	nonce_ad(s, head[4] == 1, len, nonce, ad);
	int rc = gcm(false, s->key, nonce, ad, sizeof(ad), ct, len, s->buf, tag);
	free(ct);
	if (rc < 0) {
		s->error = "the backup is damaged or was tampered with";
		return -1;
	}
	s->index++;
	s->len = len;
	s->pos = 0;
	s->final_seen = head[4] == 1;
	return 0;
}

static int get(struct bstream *s, void *out, size_t n)
{
	unsigned char *p = out;
	while (n > 0) {
		if (s->pos == s->len && refill(s) < 0)
			return -1;
		size_t take = s->len - s->pos;
		if (take > n)
			take = n;
		memcpy(p, s->buf + s->pos, take);
		s->pos += take;
		p += take;
		n -= take;
	}
	return 0;
}

/* After the last entry: only empty chunks up to the final one, then EOF. */
static int expect_end(struct bstream *s)
{
	while (s->pos == s->len && !s->final_seen)
		if (refill(s) < 0)
			return -1;
	if (s->pos != s->len || fgetc(s->f) != EOF) {
		s->error = "the backup is damaged or was tampered with";
		return -1;
	}
	return 0;
}

static void header_make(unsigned char h[HEADER_BYTES], const unsigned char salt[16],
                        const unsigned char kcv[16], int64_t created_at)
{
	memset(h, 0, HEADER_BYTES);
	memcpy(h, MAGIC, 8);
	put32(h + 8, 1);
	put32(h + 12, BACKUP_CHUNK_BYTES);
	memcpy(h + 16, salt, 16);
	memcpy(h + 32, kcv, 16);
	put64(h + 48, (uint64_t)created_at);
}

static int file_sha256(const char *path, char hex[65], uint64_t *bytes_r)
{
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	size_t n;
	uint64_t total = 0;
	if (f == NULL)
		return -1;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		ok = EVP_DigestUpdate(c, buf, n) == 1;
		total += n;
	}
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(c, md, &mdlen) == 1;
	EVP_MD_CTX_free(c);
	fclose(f);
	if (!ok)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	*bytes_r = total;
	return 0;
}

static int put_entry_head(struct bstream *s, const char *name, uint64_t size)
{
	unsigned char h[12];
	put32(h, (uint32_t)strlen(name));
	if (put(s, h, 4) < 0 || put(s, name, strlen(name)) < 0)
		return -1;
	put64(h, size);
	return put(s, h, 8);
}

static int fsync_dir_of(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	free(dir);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int write_stream(struct keys *keys, const char *tmp_path, const char *copy_path,
                        const struct backup_info *info, const char *manifest, const char **error_r)
{
	unsigned char salt[16], kcv[16], header[HEADER_BYTES];
	struct bstream s;
	int ret = -1;
	memset(&s, 0, sizeof(s));
	*error_r = "cannot derive the backup key";
	if (RAND_bytes(salt, sizeof(salt)) != 1 || derive(keys, salt, s.key, kcv) < 0)
		return -1;
	header_make(header, salt, kcv, info->created_at);
	SHA256(header, sizeof(header), s.header_hash);
	int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *db = fopen(copy_path, "rb");
	s.f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	s.buf = xmalloc(BACKUP_CHUNK_BYTES);
	*error_r = "cannot write the backup file";
	if (s.f == NULL || db == NULL) {
		if (fd >= 0 && s.f == NULL)
			close(fd);
		goto out;
	}
	if (fwrite(header, 1, sizeof(header), s.f) != sizeof(header) ||
	    put_entry_head(&s, "manifest.json", strlen(manifest)) < 0 ||
	    put(&s, manifest, strlen(manifest)) < 0 ||
	    put_entry_head(&s, "iris.db", info->db_bytes) < 0)
		goto out;
	unsigned char buf[65536];
	size_t n;
	uint64_t total = 0;
	while ((n = fread(buf, 1, sizeof(buf), db)) > 0) {
		if (put(&s, buf, n) < 0)
			goto out;
		total += n;
	}
	unsigned char zero[4] = {0};
	if (ferror(db) || total != info->db_bytes || put(&s, zero, 4) < 0 || emit(&s, true) < 0 ||
	    fflush(s.f) != 0 || fsync(fileno(s.f)) != 0)
		goto out;
	ret = 0;
out:
	if (s.f != NULL && fclose(s.f) != 0)
		ret = -1;
	if (db != NULL)
		fclose(db);
	OPENSSL_cleanse(s.key, sizeof(s.key));
	if (s.buf != NULL) {
		OPENSSL_cleanse(s.buf, BACKUP_CHUNK_BYTES);
		free(s.buf);
	}
	return ret;
}

static char *manifest_make(const struct backup_info *info)
{
	json_t *m =
	    json_pack("{s:s, s:i, s:s, s:I, s:i, s:[{s:s, s:I, s:s}]}", "format", "iris-backup",
	              "version", 1, "id", info->id, "created_at", (json_int_t)info->created_at,
	              "schema_version", info->schema_version, "files", "name", "iris.db", "bytes",
	              (json_int_t)info->db_bytes, "sha256", info->db_sha256);
	char *s = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(m);
	return s;
}

int backup_write(struct keys *keys, struct store *st, const char *data_dir, const char *out_path,
                 struct backup_info *info, const char **error_r)
{
	char *copy = NULL, *tmp = NULL, *manifest = NULL;
	const char *err = NULL;
	int ret = -1;
	memset(info, 0, sizeof(*info));
	ids_uuid4(info->id);
	info->created_at = (int64_t)time(NULL);
	info->schema_version = store_schema_version(st);
	/* The plain copy stays inside the data directory (0700), mode 0600. */
	copy = xasprintf("%s/backup-%s.db.tmp", data_dir, info->id);
	tmp = xasprintf("%s.tmp-%s", out_path, info->id);
	int fd = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error_r = "cannot create the temporary copy in the data directory";
		goto out;
	}
	close(fd);
	if (store_backup_to(st, copy, &err) < 0) {
		*error_r = "cannot take a consistent copy of the database";
		goto out;
	}
	if (file_sha256(copy, info->db_sha256, &info->db_bytes) < 0) {
		*error_r = "cannot read the temporary copy";
		goto out;
	}
	manifest = manifest_make(info);
	if (manifest == NULL) {
		*error_r = "cannot build the manifest";
		goto out;
	}
	if (write_stream(keys, tmp, copy, info, manifest, error_r) < 0)
		goto out;
	if (rename(tmp, out_path) < 0 || fsync_dir_of(out_path) < 0) {
		*error_r = "cannot move the backup file into place";
		goto out;
	}
	if (store_run(st,
	              "INSERT INTO backup_runs (id, created_at, schema_version, db_bytes) VALUES "
	              "(?, ?, ?, ?)",
	              "sidi", info->id, info->created_at, info->schema_version,
	              (int64_t)info->db_bytes) != STORE_DONE)
		log_warn("event=backup_run_not_recorded");
	log_info("event=backup_written id=%s bytes=%llu", info->id,
	         (unsigned long long)info->db_bytes);
	ret = 0;
out:
	if (copy != NULL) {
		unlink(copy);
		char *side = xasprintf("%s-journal", copy);
		unlink(side);
		free(side);
	}
	if (ret < 0)
		unlink(tmp);
	free(copy);
	free(tmp);
	free(manifest);
	return ret;
}

/* ---- restore ---- */

/* 1: absent, 0: empty directory, -1: anything else. */
static int dir_state(const char *dir)
{
	struct stat sb;
	if (lstat(dir, &sb) < 0)
		return errno == ENOENT ? 1 : -1;
	if (!S_ISDIR(sb.st_mode))
		return -1;
	DIR *d = opendir(dir);
	struct dirent *e;
	int state = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			state = -1;
	closedir(d);
	return state;
}

static int copy_key(const char *from, const char *to)
{
	unsigned char buf[64];
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return -1;
	ssize_t n = read(in, buf, sizeof(buf));
	close(in);
	int out = n == 32 ? open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
	int rc = out >= 0 && write(out, buf, 32) == 32 && fsync(out) == 0 ? 0 : -1;
	if (out >= 0)
		close(out);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int read_manifest(struct bstream *s, struct backup_info *info, const char **error_r)
{
	unsigned char h[8];
	char name[NAME_MAX_BYTES + 1];
	*error_r = "the backup's manifest is missing or invalid";
	if (get(s, h, 4) < 0)
		return -1;
	uint32_t name_len = get32(h);
	if (name_len != strlen("manifest.json") || get(s, name, name_len) < 0)
		return -1;
	name[name_len] = '\0';
	if (strcmp(name, "manifest.json") != 0 || get(s, h, 8) < 0)
		return -1;
	uint64_t size = get64(h);
	if (size == 0 || size > MANIFEST_MAX)
		return -1;
	char *text = xmalloc((size_t)size + 1);
	if (get(s, text, (size_t)size) < 0) {
		free(text);
		return -1;
	}
	json_t *m = json_loadb(text, (size_t)size, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	json_t *file = json_array_get(json_object_get(m, "files"), 0);
	const char *fmt = json_string_value(json_object_get(m, "format"));
	const char *id = json_string_value(json_object_get(m, "id"));
	const char *sha = json_string_value(json_object_get(file, "sha256"));
	json_t *bytes = json_object_get(file, "bytes");
	int ret = -1;
	if (fmt != NULL && strcmp(fmt, "iris-backup") == 0 &&
	    json_integer_value(json_object_get(m, "version")) == 1 && id != NULL &&
	    strlen(id) < sizeof(info->id) && sha != NULL && strlen(sha) == 64 &&
	    json_is_integer(bytes) && json_integer_value(bytes) >= 0) {
		snprintf(info->id, sizeof(info->id), "%s", id);
		snprintf(info->db_sha256, sizeof(info->db_sha256), "%s", sha);
		info->db_bytes = (uint64_t)json_integer_value(bytes);
		info->schema_version =
		    (int)json_integer_value(json_object_get(m, "schema_version"));
		info->created_at = json_integer_value(json_object_get(m, "created_at"));
		ret = 0;
	}
	json_decref(m);
	return ret;
}

/* Streams the "iris.db" entry to path, checking size and digest. */
static int read_db(struct bstream *s, const struct backup_info *info, const char *path,
                   const char **error_r)
{
	unsigned char h[8], md[32], *buf = NULL;
	char name[NAME_MAX_BYTES + 1], hex[65];
	unsigned int mdlen = 0;
	int ret = -1;
	*error_r = "the backup's database entry is missing or invalid";
	if (get(s, h, 4) < 0)
		return -1;
	uint32_t name_len = get32(h);
	if (name_len != strlen("iris.db") || get(s, name, name_len) < 0)
		return -1;
	name[name_len] = '\0';
	if (strcmp(name, "iris.db") != 0 || get(s, h, 8) < 0 || get64(h) != info->db_bytes)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (out == NULL || c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		if (fd >= 0 && out == NULL)
			close(fd);
		*error_r = "cannot write the restored database";
		goto out;
	}
	buf = xmalloc(BACKUP_CHUNK_BYTES);
	for (uint64_t left = info->db_bytes; left > 0;) {
		size_t n = left > BACKUP_CHUNK_BYTES ? BACKUP_CHUNK_BYTES : (size_t)left;
		if (get(s, buf, n) < 0)
			goto out;
		if (fwrite(buf, 1, n, out) != n || EVP_DigestUpdate(c, buf, n) != 1) {
			*error_r = "cannot write the restored database";
			goto out;
		}
		left -= n;
	}
	if (EVP_DigestFinal_ex(c, md, &mdlen) != 1)
		goto out;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (strcmp(hex, info->db_sha256) != 0) {
		*error_r = "the restored database does not match the manifest";
		goto out;
	}
	if (get(s, h, 4) < 0 || get32(h) != 0) {
		*error_r = "the backup holds unexpected entries";
		goto out;
	}
	if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
		*error_r = "cannot write the restored database";
		goto out;
	}
	ret = 0;
out:
	if (out != NULL && fclose(out) != 0)
		ret = -1;
	EVP_MD_CTX_free(c);
	free(buf);
	return ret;
}

int backup_restore(const char *in_path, const char *key_path, const char *new_dir,
                   struct backup_info *info, const char **error_r)
{
	struct keys *keys = NULL;
	struct bstream s;
	unsigned char header[HEADER_BYTES], kcv[16];
	char *db_part = NULL, *db_path = NULL, *key_dst = NULL;
	bool created = false;
	int ret = -1;
	memset(&s, 0, sizeof(s));
	memset(info, 0, sizeof(*info));
	int state = dir_state(new_dir);
	if (state < 0)
		return *error_r =
		           "the data directory is not empty (restore only into an empty one)",
		       -1;
	if (keys_open(key_path, false, &keys, error_r) < 0)
		return *error_r = "cannot read the master key file", -1;
	s.f = fopen(in_path, "rb");
	if (s.f == NULL) {
		*error_r = "cannot open the backup file";
		goto out;
	}
	if (fread(header, 1, sizeof(header), s.f) != sizeof(header) ||
	    memcmp(header, MAGIC, 8) != 0 || get32(header + 8) != 1 ||
	    get32(header + 12) != BACKUP_CHUNK_BYTES) {
		*error_r = "not an Iris backup file (or an unknown version)";
		goto out;
	}
	if (derive(keys, header + 16, s.key, kcv) < 0) {
		*error_r = "cannot derive the backup key";
		goto out;
	}
	if (CRYPTO_memcmp(kcv, header + 32, 16) != 0) {
		*error_r = "the master key does not match this backup";
		goto out;
	}
	SHA256(header, sizeof(header), s.header_hash);
	s.buf = xmalloc(BACKUP_CHUNK_BYTES);
	if (state == 1) {
		if (mkdir(new_dir, 0700) < 0) {
			*error_r = "cannot create the data directory";
			goto out;
		}
		created = true;
	}
	db_part = xasprintf("%s/iris.db.restoring", new_dir);
	db_path = xasprintf("%s/iris.db", new_dir);
	key_dst = xasprintf("%s/master.key", new_dir);
	if (read_manifest(&s, info, error_r) < 0 || read_db(&s, info, db_part, error_r) < 0) {
		if (s.error != NULL)
			*error_r = s.error;
		goto out;
	}
	if (expect_end(&s) < 0) {
		*error_r = s.error;
		goto out;
	}
	if (rename(db_part, db_path) < 0 || copy_key(key_path, key_dst) < 0 ||
	    fsync_dir_of(db_path) < 0) {
		*error_r = "cannot write the restored data directory";
		goto out;
	}
	ret = 0;
	*error_r = NULL;
out:
	if (ret < 0 && db_part != NULL) {
		unlink(db_part);
		unlink(db_path);
		unlink(key_dst);
		if (created)
			rmdir(new_dir);
	}
	if (s.f != NULL)
		fclose(s.f);
	if (s.buf != NULL) {
		OPENSSL_cleanse(s.buf, BACKUP_CHUNK_BYTES);
		free(s.buf);
	}
	OPENSSL_cleanse(s.key, sizeof(s.key));
	keys_close(&keys);
	free(db_part);
	free(db_path);
	free(key_dst);
	return ret;
}
