/*
 * libFuzzer target: a backup file into the restore path (privacy/backup,
 * backup_restore), as `irisctl backup restore` reads it, with a real master
 * key file and an absent target directory.
 *
 * Byte 0 picks how the rest becomes the backup file:
 *   0: the whole file (header included);
 *   1: a valid header (right magic, version and key check) followed by the
 *      bytes as they are (chunk framing, truncation, tags);
 *   2: a valid header followed by chunks sealed with the right key: the rest
 *      is a list of (u16 length, flags byte, plaintext) and each becomes one
 *      authenticated chunk (flags bit 0: the final flag), so the fuzzer
 *      reaches the decrypted entries (manifest, database entry, end).
 * The sealing follows the file format of privacy/backup.c's header comment.
 * Asserted: a restore that fails names an error and leaves nothing behind
 * (the target directory is gone again); one that succeeds leaves iris.db
 * with exactly the size and SHA-256 the manifest states, a master.key, and
 * no partial file.
 */
#include "crypto/keys.h"
#include "privacy/backup.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], key_path[96], bak_path[96], new_dir[96];
static unsigned char file_key[32], header[64], header_hash[32];

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void cleanup(void)
{
	unlink(bak_path);
	unlink(key_path);
	rmdir(dir);
}

/* The master key, the file key and the header for a fixed salt. */
static void setup(void)
{
	static const unsigned char salt[16] = "fuzz-salt-16byte";
	unsigned char k0[32], msg[64], mac[32];
	unsigned int n = 0;
	struct keys *keys = NULL;
	const char *err = NULL;
	snprintf(dir, sizeof(dir), "/tmp/fuzz-backup-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(key_path, sizeof(key_path), "%s/master.key", dir);
	snprintf(bak_path, sizeof(bak_path), "%s/in.bak", dir);
	snprintf(new_dir, sizeof(new_dir), "%s/restored", dir);
	atexit(cleanup);
	if (keys_open(key_path, true, &keys, &err) < 0 || keys_derive(keys, "backup", k0) < 0)
		abort();
	keys_close(&keys);
	memcpy(msg, "iris-backup-v1 file", 20); /* with its NUL */
	memcpy(msg + 20, salt, 16);
	HMAC(EVP_sha256(), k0, 32, msg, 36, file_key, &n);
	memcpy(msg, "iris-backup-v1 kcv", 19);
	memcpy(msg + 19, salt, 16);
	HMAC(EVP_sha256(), k0, 32, msg, 35, mac, &n);
	memcpy(header, "IRISBAK\x01", 8);
	put32(header + 8, 1);
	put32(header + 12, BACKUP_CHUNK_BYTES);
	memcpy(header + 16, salt, 16);
	memcpy(header + 32, mac, 16);
	put32(header + 52, 1700000000); /* created_at, low half */
	SHA256(header, sizeof(header), header_hash);
}

/* Writes one chunk sealed as backup.c does. */
static void seal_chunk(FILE *f, uint64_t index, bool final, const uint8_t *p, uint32_t len)
{
	unsigned char nonce[12] = {0}, ad[45], head[5], tag[16];
	unsigned char *ct = malloc(len ? len : 1);
	int n = 0;
	put32(nonce + 4, (uint32_t)(index >> 32));
	put32(nonce + 8, (uint32_t)index);
	memcpy(ad, header_hash, 32);
	memcpy(ad + 32, nonce + 4, 8);
	ad[40] = final ? 1 : 0;
	put32(ad + 41, len);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, file_key, nonce);
	EVP_EncryptUpdate(c, NULL, &n, ad, sizeof(ad));
	if (len > 0)
		EVP_EncryptUpdate(c, ct, &n, p, (int)len);
	EVP_EncryptFinal_ex(c, ct, &n);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
	put32(head, len);
	head[4] = final ? 1 : 0;
	fwrite(head, 1, 5, f);
	fwrite(ct, 1, len, f);
	fwrite(tag, 1, 16, f);
	free(ct);
}

static void write_file(uint8_t mode, const uint8_t *p, size_t n)
{
	FILE *f = fopen(bak_path, "wb");
	if (f == NULL)
		abort();
	if (mode != 0)
		fwrite(header, 1, sizeof(header), f);
	if (mode != 2) {
		fwrite(p, 1, n, f);
	} else {
		for (uint64_t i = 0; n >= 3; i++) {
			size_t len = (size_t)p[0] << 8 | p[1];
			bool final = p[2] & 1;
			p += 3, n -= 3;
			if (len > n)
				len = n;
			seal_chunk(f, i, final, p, (uint32_t)len);
			p += len, n -= len;
		}
	}
	if (fclose(f) != 0)
		abort();
}

/* After a success: iris.db as the manifest says, master.key, nothing else. */
static void check_restored(const struct backup_info *info)
{
	char path[128], hex[65];
	unsigned char md[32];
	snprintf(path, sizeof(path), "%s/iris.db.restoring", new_dir);
	if (access(path, F_OK) == 0)
		abort();
	snprintf(path, sizeof(path), "%s/master.key", new_dir);
	if (access(path, F_OK) != 0)
		abort();
	unlink(path);
	snprintf(path, sizeof(path), "%s/iris.db", new_dir);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		abort();
	unsigned char *buf = malloc(info->db_bytes + 1);
	size_t got = fread(buf, 1, info->db_bytes + 1, f);
	fclose(f);
	unlink(path);
	if (got != info->db_bytes)
		abort();
	SHA256(buf, got, md);
	free(buf);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (strcmp(hex, info->db_sha256) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_info info;
	const char *error = NULL;
	if (dir[0] == '\0')
		setup();
	if (size == 0 || data[0] > 2)
		return 0;
	write_file(data[0], data + 1, size - 1);
	int rc = backup_restore(bak_path, key_path, new_dir, &info, &error);
	if (rc == 0)
		check_restored(&info);
	else if (error == NULL || access(new_dir, F_OK) == 0)
		abort(); /* a failure names its reason and leaves nothing behind */
	if (rmdir(new_dir) != 0 && rc == 0)
		abort(); /* something unexpected was left in the restored directory */
	return 0;
}
