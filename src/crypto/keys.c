/*
 * crypto/keys: the master key file, the locked secrets region, and keys
 * derived from the master key. Tenant and subject keys are in
 * keys_tenant.c, signing in keys_sign.c.
 */
#include "crypto/keys_internal.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* keys_open() errors name the path: kept per thread until its next call. */
static __thread char open_error[512];

static const char *open_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *open_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(open_error, sizeof(open_error), fmt, ap);
	va_end(ap);
	if (n < 0)
		return "key file error";
	return open_error; /* truncation only shortens the message */
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsyncs the directory holding path, so a new name survives a crash. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL   ? xstrdup(".")
	            : slash == path ? xstrdup("/")
	                            : xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Creates the key file atomically: write a temporary file (O_EXCL, 0600
 * whatever the umask), fsync, then link() it to the final name, which fails
 * if another process won the race. The key file is never seen half-written.
 * Returns 0, 1 when the file appeared meanwhile, or -1. */
static int key_file_create(const char *path, const char **error_r)
{
	unsigned char key[KEY_LEN];
	char suffix[17];
	ids_random_hex(suffix, 8);
	char *tmp = xasprintf("%s.new-%s", path, suffix);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error_r = open_fail("cannot create key file %s: %s", tmp, strerror(errno));
		goto out;
	}
	ids_random(key, sizeof(key));
	if (fchmod(fd, 0600) < 0 || write_all(fd, key, sizeof(key)) < 0 || fsync(fd) < 0) {
		*error_r = open_fail("cannot write key file %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (link(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		if (e == EEXIST) {
			rc = 1;
			goto out;
		}
		*error_r = open_fail("cannot create key file %s: %s", path, strerror(e));
		goto out;
	}
	unlink(tmp);
	sync_parent(path);
	log_info("event=master_key_created path=\"%s\"", path);
	rc = 0;
out:
	secret_wipe(key, sizeof(key));
	free(tmp);
	return rc;
}

/* Reads exactly KEY_LEN bytes from a private, regular key file. */
static int key_file_read(const char *path, unsigned char out[KEY_LEN], const char **error_r)
{
	unsigned char buf[KEY_LEN + 1];
	size_t got = 0;
	struct stat sb;
	int rc = -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*error_r = open_fail("cannot open key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		*error_r = open_fail("key file %s is not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		*error_r = open_fail("key file %s has mode %03o: group or others may read it; "
		                     "refusing it (chmod 600 it, and consider the key exposed)",
		                     path, (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	if (sb.st_uid != geteuid()) {
		*error_r = open_fail("key file %s is owned by uid %u, not by this process (uid %u)",
		                     path, (unsigned)sb.st_uid, (unsigned)geteuid());
		goto out;
	}
	while (got < sizeof(buf)) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = open_fail("cannot read key file %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != KEY_LEN) {
		*error_r = open_fail("key file %s has the wrong size (%s%zu bytes, expected %d)",
		                     path, got > KEY_LEN ? "more than " : "",
		                     got > KEY_LEN ? (size_t)KEY_LEN : got, KEY_LEN);
		goto out;
	}
	memcpy(out, buf, KEY_LEN);
	rc = 0;
out:
	secret_wipe(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* Maps the secrets region; locks it in RAM and keeps it out of core dumps
 * where the system allows. */
static int secrets_map(struct keys *keys)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = sizeof(struct keys_secrets);
	if (page > 0)
		size = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	keys->secrets = p;
	keys->secrets_size = size;
	keys->locked = mlock(p, size) == 0;
	if (!keys->locked)
		log_warn("event=mlock_failed error=\"%s\" hint=\"raise RLIMIT_MEMLOCK; keys may be "
		         "swapped\"",
		         strerror(errno));
#ifdef MADV_DONTDUMP
	(void)madvise(p, size, MADV_DONTDUMP);
#endif
	return 0;
}

static int derive_from_master(struct keys *keys, const char *info, unsigned char out[KEY_LEN])
{
	return hkdf_sha256(NULL, 0, keys->secrets->master, KEY_LEN, info, strlen(info), out,
	                   KEY_LEN);
}

int keys_open(const char *key_path, bool create, struct keys **keys_r, const char **error_r)
{
	struct keys *keys = xcalloc(1, sizeof(*keys));
	*keys_r = NULL;
	*error_r = NULL;
	if (secrets_map(keys) < 0) {
		free(keys);
		*error_r = "cannot map memory for keys";
		return -1;
	}
	pthread_mutex_init(&keys->lock, NULL);
	if (create && access(key_path, F_OK) < 0 && errno == ENOENT &&
	    key_file_create(key_path, error_r) < 0)
		goto fail;
	if (key_file_read(key_path, keys->secrets->master, error_r) < 0)
		goto fail;
	/* Separate keys per use of the master key (domain separation). */
	if (derive_from_master(keys, "iris-kek-tenant", keys->secrets->kek_tenant) < 0 ||
	    derive_from_master(keys, "iris-kek-install", keys->secrets->kek_install) < 0) {
		*error_r = "cannot derive keys from the master key";
		goto fail;
	}
	*keys_r = keys;
	return 0;
fail:
	keys_close(&keys);
	return -1;
}

void keys_close(struct keys **keysp)
{
	struct keys *keys = *keysp;
	if (keys == NULL)
		return;
	*keysp = NULL;
	keys_sign_forget(keys);
	explicit_bzero(keys->secrets, keys->secrets_size);
	if (keys->locked)
		munlock(keys->secrets, keys->secrets_size);
	munmap(keys->secrets, keys->secrets_size);
	explicit_bzero(keys->slots, sizeof(keys->slots));
	pthread_mutex_destroy(&keys->lock);
	free(keys);
}

int keys_derive(struct keys *keys, const char *purpose, unsigned char out[32])
{
	size_t info_len = 0;
	if (purpose == NULL || *purpose == '\0')
		return -1;
	/* "iris-derive\0purpose": cannot collide with the module's own labels. */
	unsigned char *info = ad_join("iris-derive", &purpose, 1, &info_len);
	int rc = hkdf_sha256(NULL, 0, keys->secrets->master, KEY_LEN, info, info_len, out, 32);
	free(info);
	return rc;
}
