/* net/tls: see tls.h. */
#include "net/tls.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tls_ctx {
	SSL_CTX *ssl_ctx;
};

struct tls_conn {
	SSL *ssl;
	BIO *rbio; /* ciphertext from the peer, read by OpenSSL */
	BIO *wbio; /* ciphertext for the peer, written by OpenSSL */
	bool failed;
	bool shutdown_sent;
	char error[160];
	/* Plaintext written before the handshake completed. */
	char *pending;
	size_t pending_len;
};

/* Per-thread buffer for error texts that include OpenSSL's reason. */
static _Thread_local char tls_errbuf[4400]; /* room for a path */

static const char *openssl_error(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	snprintf(tls_errbuf, sizeof(tls_errbuf), "%s: %s", what,
	         reason != NULL ? reason : "unknown error");
	ERR_clear_error();
	return tls_errbuf;
}

/* Why the PEM file at path (what: "certificate", "private key") did not
 * load, naming the path: the system's reason when it cannot be read at
 * all (missing, no permission), else OpenSSL's (not PEM, wrong type). */
static const char *file_error(const char *what, const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(tls_errbuf, sizeof(tls_errbuf), "cannot read the %s %s: %s", what, path,
		         strerror(errno));
		ERR_clear_error();
		return tls_errbuf;
	}
	fclose(f);
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	snprintf(tls_errbuf, sizeof(tls_errbuf), "cannot load the %s %s: %s", what, path,
	         reason != NULL ? reason : "unknown error");
	ERR_clear_error();
	return tls_errbuf;
}

/* Applies the protocol policy of tls.h to a fresh context. */
static int ctx_apply_policy(SSL_CTX *ctx, const char **error_r)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, 0) != 1) {
		*error_r = openssl_error("cannot set TLS versions");
		return -1;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_TLS12) != 1) {
		*error_r = openssl_error("cannot set the cipher list");
		return -1;
	}
	if (SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
		*error_r = openssl_error("cannot set the key exchange groups");
		return -1;
	}
	/* No resumption: no server-side cache and no TLS 1.3 tickets, so a
	 * returning client cannot be linked to an earlier session. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return 0;
}

int tls_ctx_server_new(const char *cert_path, const char *key_path, struct tls_ctx **ctx_r,
                       const char **error_r)
{
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		*error_r = openssl_error("cannot create a TLS context");
		return -1;
	}
	if (ctx_apply_policy(ctx, error_r) < 0)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		*error_r = file_error("certificate", cert_path);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
		*error_r = file_error("private key", key_path);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		*error_r = openssl_error("the private key does not match the certificate");
		goto fail;
	}
	*ctx_r = xcalloc(1, sizeof(**ctx_r));
	(*ctx_r)->ssl_ctx = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -1;
}

void tls_ctx_free(struct tls_ctx **ctx)
{
	if (*ctx == NULL)
		return;
	SSL_CTX_free((*ctx)->ssl_ctx);
	free(*ctx);
	*ctx = NULL;
}

struct tls_conn *tls_conn_server_new(struct tls_ctx *ctx)
{
	struct tls_conn *conn = xcalloc(1, sizeof(*conn));
	conn->ssl = SSL_new(ctx->ssl_ctx);
	conn->rbio = BIO_new(BIO_s_mem());
	conn->wbio = BIO_new(BIO_s_mem());
	if (conn->ssl == NULL || conn->rbio == NULL || conn->wbio == NULL)
		fatal("event=tls_conn_alloc_failed");
	/* An empty memory BIO reports "retry" rather than EOF. */
	BIO_set_mem_eof_return(conn->rbio, -1);
	SSL_set_bio(conn->ssl, conn->rbio, conn->wbio);
	SSL_set_accept_state(conn->ssl);
	return conn;
}

void tls_conn_free(struct tls_conn **conn)
{
	if (*conn == NULL)
		return;
	SSL_free((*conn)->ssl); /* frees both BIOs */
	if ((*conn)->pending != NULL)
		secret_free((*conn)->pending, (*conn)->pending_len);
	free(*conn);
	*conn = NULL;
}

/* A memory BIO keeps the capacity of its largest content after it drains
 * (the handshake flight, a large stanza): a drained one is replaced by an
 * empty one, so an idle connection holds no ciphertext buffers. */
static void conn_bio_renew(struct tls_conn *conn, bool rbio)
{
	BIO *fresh = BIO_new(BIO_s_mem());
	if (fresh == NULL)
		fatal("event=tls_conn_alloc_failed");
	if (rbio) {
		/* An empty memory BIO reports "retry" rather than EOF. */
		BIO_set_mem_eof_return(fresh, -1);
		SSL_set0_rbio(conn->ssl, fresh); /* frees the old one */
		conn->rbio = fresh;
	} else {
		SSL_set0_wbio(conn->ssl, fresh);
		conn->wbio = fresh;
	}
}

/* Marks the session failed, keeping OpenSSL's reason for tls_conn_error(). */
static void conn_fail(struct tls_conn *conn, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	snprintf(conn->error, sizeof(conn->error), "%s: %s", what,
	         reason != NULL ? reason : "protocol error");
	ERR_clear_error();
	conn->failed = true;
}

/* Encrypts whatever plaintext was written before the handshake finished. */
static int conn_flush_pending(struct tls_conn *conn)
{
	if (conn->pending_len == 0)
		return 0;
	size_t written = 0;
	int r = SSL_write_ex(conn->ssl, conn->pending, conn->pending_len, &written);
	secret_free(conn->pending, conn->pending_len);
	conn->pending = NULL;
	conn->pending_len = 0;
	if (r != 1) {
		conn_fail(conn, "write failed");
		return -1;
	}
	return 0;
}

/* Advances the handshake as far as the buffered ciphertext allows. */
static int conn_handshake(struct tls_conn *conn)
{
	if (conn->failed)
		return -1;
	if (SSL_is_init_finished(conn->ssl))
		return 0;
	ERR_clear_error();
	int r = SSL_do_handshake(conn->ssl);
	if (r == 1)
		return conn_flush_pending(conn);
	int e = SSL_get_error(conn->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	conn_fail(conn, "handshake failed");
	return -1;
}

int tls_conn_feed(struct tls_conn *conn, const void *data, size_t len)
{
	if (conn->failed)
		return -1;
	if (len > 0 && BIO_write(conn->rbio, data, (int)len) != (int)len)
		fatal("event=tls_bio_write_failed");
	return conn_handshake(conn);
}

enum tls_read_result tls_conn_read(struct tls_conn *conn, void *buf, size_t len, size_t *n_r)
{
	*n_r = 0;
	if (conn_handshake(conn) < 0)
		return TLS_READ_ERROR;
	if (!SSL_is_init_finished(conn->ssl))
		return TLS_READ_AGAIN;
	ERR_clear_error();
	int r = SSL_read_ex(conn->ssl, buf, len, n_r);
	/* SSL_get_error() reads the retry flags of the BIO in place: renew after */
	int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(conn->ssl, r);
	if (BIO_ctrl_pending(conn->rbio) == 0)
		conn_bio_renew(conn, true);
	if (r == 1)
		return TLS_READ_OK;
	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return TLS_READ_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_READ_CLOSED;
	default:
		conn_fail(conn, "read failed");
		return TLS_READ_ERROR;
	}
}

int tls_conn_write(struct tls_conn *conn, const void *data, size_t len)
{
	if (conn->failed || conn->shutdown_sent)
		return -1;
	if (len == 0)
		return 0;
	if (!SSL_is_init_finished(conn->ssl)) {
		conn->pending = xrealloc(conn->pending, conn->pending_len + len);
		memcpy(conn->pending + conn->pending_len, data, len);
		conn->pending_len += len;
		return 0;
	}
	ERR_clear_error();
	size_t written = 0;
	/* Memory BIOs never block, so a successful write takes everything. */
	if (SSL_write_ex(conn->ssl, data, len, &written) != 1 || written != len) {
		conn_fail(conn, "write failed");
		return -1;
	}
	return 0;
}

void tls_conn_shutdown(struct tls_conn *conn)
{
	if (conn->shutdown_sent || conn->failed || !SSL_is_init_finished(conn->ssl))
		return;
	conn->shutdown_sent = true;
	ERR_clear_error();
	(void)SSL_shutdown(conn->ssl);
	ERR_clear_error();
}

size_t tls_conn_out_pending(const struct tls_conn *conn)
{
	return BIO_ctrl_pending(conn->wbio);
}

size_t tls_conn_take_out(struct tls_conn *conn, void *buf, size_t len)
{
	if (len > INT32_MAX)
		len = INT32_MAX;
	int n = BIO_read(conn->wbio, buf, (int)len);
	if (BIO_ctrl_pending(conn->wbio) == 0)
		conn_bio_renew(conn, false);
	return n > 0 ? (size_t)n : 0;
}

int tls_conn_channel_binding(struct tls_conn *conn, const char *type, unsigned char *out,
                             size_t size)
{
	static const char label[] = "EXPORTER-Channel-Binding";
	if (conn == NULL || type == NULL || conn->failed || !SSL_is_init_finished(conn->ssl))
		return -1;
	if (strcmp(type, "tls-exporter") == 0) {
		if (SSL_version(conn->ssl) != TLS1_3_VERSION || size < 32 ||
		    SSL_export_keying_material(conn->ssl, out, 32, label, sizeof(label) - 1, NULL,
		                               0, 0) != 1)
			return -1;
		return 32;
	}
	if (strcmp(type, "tls-server-end-point") == 0) {
		X509 *cert = SSL_get_certificate(conn->ssl);
		int md_nid = NID_undef;
		if (cert == NULL ||
		    !OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, NULL) ||
		    md_nid == NID_undef)
			return -1; /* e.g. Ed25519: RFC 5929 defines no hash */
		if (md_nid == NID_md5 || md_nid == NID_sha1)
			md_nid = NID_sha256;
		const EVP_MD *md = EVP_get_digestbynid(md_nid);
		unsigned int n = 0;
		if (md == NULL || (size_t)EVP_MD_get_size(md) > size ||
		    !X509_digest(cert, md, out, &n))
			return -1;
		return (int)n;
	}
	return -1;
}

bool tls_conn_handshake_done(const struct tls_conn *conn)
{
	return SSL_is_init_finished(conn->ssl);
}

const char *tls_conn_version(const struct tls_conn *conn)
{
	return SSL_is_init_finished(conn->ssl) ? SSL_get_version(conn->ssl) : "none";
}

const char *tls_conn_error(const struct tls_conn *conn)
{
	return conn->failed ? conn->error : NULL;
}

/* ---- self-signed certificates ---- */

/* Accepts DNS names made of letters, digits, '-' and '.', or IP literals;
 * anything else could inject into the subjectAltName configuration. */
static bool hostname_ok(const char *host, bool *is_ip_r)
{
	unsigned char addr[16];
	*is_ip_r = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	if (*is_ip_r)
		return true;
	size_t len = strlen(host);
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '.';
		if (!ok)
			return false;
	}
	return true;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return -1;
	int r = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return r == 1 ? 0 : -1;
}

/* Fills in serial, validity, names and extensions, then signs. */
static int cert_build(X509 *x, EVP_PKEY *key, const char *host, bool is_ip)
{
	unsigned char serial[16];
	ids_random(serial, sizeof(serial));
	serial[0] &= 0x7f; /* positive, and at most 16 octets in DER */
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	if (!ok || X509_set_version(x, 2) != 1)
		return -1;
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600) == NULL)
		return -1;
	X509_NAME *name = X509_get_subject_name(x);
	const char *cn = strlen(host) <= 64 ? host : "iris";
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1)
		return -1;
	char san[300];
	int n;
	if (is_ip)
		n = snprintf(san, sizeof(san), "IP:%s", host);
	else if (strcmp(host, "localhost") == 0)
		n = snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1");
	else
		n = snprintf(san, sizeof(san), "DNS:%s", host);
	if (n < 0 || (size_t)n >= sizeof(san))
		return -1;
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature") < 0 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_ext(x, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(x, NID_subject_alt_name, san) < 0)
		return -1;
	return X509_sign(x, key, EVP_sha256()) > 0 ? 0 : -1;
}

/* Writes one PEM object to path through path.tmp with the given mode. */
static int pem_write_file(const char *path, mode_t mode, X509 *x, EVP_PKEY *key)
{
	char *tmp = xasprintf("%s.tmp", path);
	int ret = -1, saved;
	(void)unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		goto out;
	FILE *f = fdopen(fd, "w");
	if (f == NULL || fchmod(fd, mode) < 0) {
		if (f != NULL)
			fclose(f);
		else
			close(fd);
		goto out_unlink;
	}
	int ok = x != NULL ? PEM_write_X509(f, x)
	                   : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	ok = ok == 1 && fflush(f) == 0 && fsync(fd) == 0;
	if (fclose(f) != 0 || !ok)
		goto out_unlink;
	if (rename(tmp, path) < 0)
		goto out_unlink;
	ret = 0;
	goto out;
out_unlink:
	saved = errno;
	(void)unlink(tmp);
	errno = saved;
out:
	free(tmp);
	return ret;
}

int tls_selfsigned_create(const char *cert_path, const char *key_path, const char *hostname,
                          const char **error_r)
{
	bool is_ip;
	int ret = -1;
	X509 *x = NULL;
	ERR_clear_error();
	if (!hostname_ok(hostname, &is_ip)) {
		*error_r = "invalid hostname for the certificate";
		return -1;
	}
	EVP_PKEY *key = EVP_EC_gen("P-256");
	if (key == NULL) {
		*error_r = openssl_error("cannot generate an ECDSA P-256 key");
		goto out;
	}
	x = X509_new();
	if (x == NULL || cert_build(x, key, hostname, is_ip) < 0) {
		*error_r = openssl_error("cannot build the certificate");
		goto out;
	}
	if (pem_write_file(key_path, 0600, NULL, key) < 0) {
		snprintf(tls_errbuf, sizeof(tls_errbuf), "cannot write the key file: %s",
		         strerror(errno));
		*error_r = tls_errbuf;
		goto out;
	}
	if (pem_write_file(cert_path, 0600, x, NULL) < 0) { /* data directory: 0600 */
		snprintf(tls_errbuf, sizeof(tls_errbuf), "cannot write the certificate file: %s",
		         strerror(errno));
		*error_r = tls_errbuf;
		goto out;
	}
	ret = 0;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return ret;
}
