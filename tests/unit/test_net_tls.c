/* Unit tests for net/tls: self-signed certificates and the memory-BIO
 * session, driven against an OpenSSL client in memory (no sockets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	char cert[128];
	char key[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-test-tls-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
	const char *error = NULL;
	if (tls_selfsigned_create(f->cert, f->key, "localhost", &error) < 0) {
		fprintf(stderr, "selfsigned: %s\n", error);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->cert);
	unlink(f->key);
	rmdir(f->dir);
	free(f);
	return 0;
}

static X509 *load_cert(const char *path)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	return x;
}

static void test_selfsigned(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	X509 *x = load_cert(f->cert);
	EVP_PKEY *pub = X509_get0_pubkey(x);
	assert_int_equal(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
	char group[32];
	size_t glen;
	assert_int_equal(EVP_PKEY_get_group_name(pub, group, sizeof(group), &glen), 1);
	assert_string_equal(group, "prime256v1");
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "example.org", 0, 0, NULL), 0);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	/* Valid now, for about a year. */
	int days, secs;
	assert_int_equal(
	    ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)), 1);
	assert_in_range(days, 364, 366);
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
	assert_int_equal(X509_verify(x, pub), 1); /* self-signed */
	X509_free(x);
}

static void test_selfsigned_names(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	assert_int_equal(tls_selfsigned_create(f->cert, f->key, "chat.example.org", &error), 0);
	X509 *x = load_cert(f->cert);
	assert_int_equal(X509_check_host(x, "chat.example.org", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 0);
	X509_free(x);
	assert_int_equal(tls_selfsigned_create(f->cert, f->key, "192.0.2.7", &error), 0);
	x = load_cert(f->cert);
	assert_int_equal(X509_check_ip_asc(x, "192.0.2.7", 0), 1);
	X509_free(x);
	/* Characters that could inject into the SAN configuration. */
	error = NULL;
	assert_int_equal(tls_selfsigned_create(f->cert, f->key, "a,DNS:evil", &error), -1);
	assert_non_null(error);
	assert_int_equal(tls_selfsigned_create(f->cert, f->key, "", &error), -1);
	/* Restore the localhost pair for the other cases. */
	assert_int_equal(tls_selfsigned_create(f->cert, f->key, "localhost", &error), 0);
}

static void test_ctx_errors(void **state)
{
	struct fixture *f = *state;
	struct tls_ctx *ctx = NULL;
	const char *error = NULL;
	assert_int_equal(tls_ctx_server_new("/nonexistent/cert.pem", f->key, &ctx, &error), -1);
	assert_non_null(strstr(error, "certificate"));
	assert_null(ctx);
	/* A key that does not belong to the certificate. */
	char other_cert[160], other_key[160];
	snprintf(other_cert, sizeof(other_cert), "%s/o.pem", f->dir);
	snprintf(other_key, sizeof(other_key), "%s/ok.pem", f->dir);
	assert_int_equal(tls_selfsigned_create(other_cert, other_key, "localhost", &error), 0);
	assert_int_equal(tls_ctx_server_new(f->cert, other_key, &ctx, &error), -1);
	unlink(other_cert);
	unlink(other_key);
	assert_int_equal(tls_ctx_server_new(f->cert, f->key, &ctx, &error), 0);
	tls_ctx_free(&ctx);
	assert_null(ctx);
	tls_ctx_free(&ctx);
}

/* An OpenSSL client in memory, for driving a server tls_conn. */
struct mem_client {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;
};

static void client_init(struct mem_client *c, int version, const char *ciphers)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(c->ctx);
	/* Let the client offer old protocols: the refusal must be the server's. */
	SSL_CTX_set_security_level(c->ctx, 0);
	SSL_CTX_set_min_proto_version(c->ctx, version);
	SSL_CTX_set_max_proto_version(c->ctx, version);
	if (ciphers != NULL)
		assert_int_equal(SSL_CTX_set_cipher_list(c->ctx, ciphers), 1);
	c->ssl = SSL_new(c->ctx);
	c->in = BIO_new(BIO_s_mem());
	c->out = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(c->in, -1);
	SSL_set_bio(c->ssl, c->in, c->out);
	SSL_set_connect_state(c->ssl);
}

static void client_free(struct mem_client *c)
{
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	ERR_clear_error();
}

/* Moves bytes both ways until neither side has anything to say. Returns
 * -1 when the server session failed. */
static int shuttle(struct mem_client *c, struct tls_conn *s)
{
	char buf[16384];
	for (int round = 0; round < 20; round++) {
		bool moved = false;
		if (!SSL_is_init_finished(c->ssl))
			(void)SSL_do_handshake(c->ssl);
		int n;
		while ((n = BIO_read(c->out, buf, sizeof(buf))) > 0) {
			moved = true;
			if (tls_conn_feed(s, buf, (size_t)n) < 0)
				return -1;
		}
		size_t m;
		while ((m = tls_conn_take_out(s, buf, sizeof(buf))) > 0) {
			moved = true;
			BIO_write(c->in, buf, (int)m);
		}
		if (!moved)
			break;
	}
	return 0;
}

static void handshake_ok(struct fixture *f, int version, const char *expect)
{
	struct tls_ctx *ctx = NULL;
	const char *error = NULL;
	struct mem_client c;
	assert_int_equal(tls_ctx_server_new(f->cert, f->key, &ctx, &error), 0);
	struct tls_conn *s = tls_conn_server_new(ctx);
	tls_ctx_free(&ctx); /* the session keeps what it needs */
	client_init(&c, version, NULL);
	/* Written before the handshake: kept and sent once it completes. */
	assert_int_equal(tls_conn_write(s, "early", 5), 0);
	assert_int_equal(shuttle(&c, s), 0);
	assert_true(tls_conn_handshake_done(s));
	assert_string_equal(tls_conn_version(s), expect);
	if (version == TLS1_2_VERSION) {
		const char *cipher = SSL_get_cipher_name(c.ssl);
		assert_non_null(strstr(cipher, "ECDHE"));
		assert_true(strstr(cipher, "GCM") != NULL || strstr(cipher, "CHACHA") != NULL);
	}
	char buf[64];
	size_t n = 0;
	int r = SSL_read(c.ssl, buf, sizeof(buf));
	assert_int_equal(r, 5);
	assert_memory_equal(buf, "early", 5);
	/* P-SEC-1: channel binding for SCRAM -PLUS; both ends agree */
	unsigned char cb[64], cb_client[64];
	if (version == TLS1_3_VERSION) {
		static const char label[] = "EXPORTER-Channel-Binding";
		assert_int_equal(tls_conn_channel_binding(s, "tls-exporter", cb, sizeof(cb)), 32);
		assert_int_equal(SSL_export_keying_material(c.ssl, cb_client, 32, label,
		                                            sizeof(label) - 1, NULL, 0, 0),
		                 1);
		assert_memory_equal(cb, cb_client, 32);
	} else {
		assert_int_equal(tls_conn_channel_binding(s, "tls-exporter", cb, sizeof(cb)), -1);
	}
	X509 *peer = SSL_get1_peer_certificate(c.ssl);
	unsigned int pn = 0;
	assert_true(X509_digest(peer, EVP_sha256(), cb_client, &pn)); /* ECDSA-SHA256 cert */
	X509_free(peer);
	assert_int_equal(tls_conn_channel_binding(s, "tls-server-end-point", cb, sizeof(cb)), 32);
	assert_memory_equal(cb, cb_client, 32);
	assert_int_equal(tls_conn_channel_binding(s, "tls-unique", cb, sizeof(cb)), -1);
	assert_int_equal(SSL_write(c.ssl, "ping", 4), 4);
	assert_int_equal(shuttle(&c, s), 0);
	assert_int_equal(tls_conn_read(s, buf, sizeof(buf), &n), TLS_READ_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(tls_conn_read(s, buf, sizeof(buf), &n), TLS_READ_AGAIN);
	/* Orderly close in both directions. */
	(void)SSL_shutdown(c.ssl);
	assert_int_equal(shuttle(&c, s), 0);
	assert_int_equal(tls_conn_read(s, buf, sizeof(buf), &n), TLS_READ_CLOSED);
	tls_conn_shutdown(s);
	assert_true(tls_conn_out_pending(s) > 0);
	tls_conn_free(&s);
	assert_null(s);
	client_free(&c);
}

static void handshake_refused(struct fixture *f, int version, const char *ciphers)
{
	struct tls_ctx *ctx = NULL;
	const char *error = NULL;
	struct mem_client c;
	assert_int_equal(tls_ctx_server_new(f->cert, f->key, &ctx, &error), 0);
	struct tls_conn *s = tls_conn_server_new(ctx);
	client_init(&c, version, ciphers);
	assert_int_equal(shuttle(&c, s), -1);
	assert_false(tls_conn_handshake_done(s));
	assert_non_null(tls_conn_error(s));
	/* The session stays failed. */
	assert_int_equal(tls_conn_write(s, "x", 1), -1);
	tls_conn_free(&s);
	tls_ctx_free(&ctx);
	client_free(&c);
}

/* P-SEC-3: TLS 1.2 and 1.3 only, modern ciphers; older versions refused by
 * the server even when the client offers them. */
static void test_versions(void **state)
{
	struct fixture *f = *state;
	handshake_ok(f, TLS1_3_VERSION, "TLSv1.3");
	handshake_ok(f, TLS1_2_VERSION, "TLSv1.2");
	handshake_refused(f, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0");
	handshake_refused(f, TLS1_VERSION, "DEFAULT:@SECLEVEL=0");
	/* TLS 1.2 without forward secrecy or AEAD: refused. */
	handshake_refused(f, TLS1_2_VERSION, "AES256-SHA:ECDHE-ECDSA-AES256-SHA");
}

static void test_garbage(void **state)
{
	struct fixture *f = *state;
	struct tls_ctx *ctx = NULL;
	const char *error = NULL;
	assert_int_equal(tls_ctx_server_new(f->cert, f->key, &ctx, &error), 0);
	struct tls_conn *s = tls_conn_server_new(ctx);
	const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(tls_conn_feed(s, junk, sizeof(junk) - 1), -1);
	assert_non_null(tls_conn_error(s));
	tls_conn_free(&s);
	tls_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_selfsigned), cmocka_unit_test(test_selfsigned_names),
	    cmocka_unit_test(test_ctx_errors), cmocka_unit_test(test_versions),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
