/*
 * Unit tests for crypto/scram: credentials, their text form, and the
 * server side of a SASL SCRAM exchange (with the RFC 7677 example).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/scram.h"
#include "crypto/scram_internal.h"

#define ITER 4096u

static struct scram_credentials make(const char *password, enum scram_hash hash, unsigned iter)
{
	struct scram_credentials c;
	const char *error = NULL;
	assert_int_equal(scram_credentials_make(password, hash, iter, &c, &error), 0);
	assert_null(error);
	return c;
}

/* P-SEC-1: the stored record holds neither the password nor anything it
 * contains; its text form does not either. */
static void test_credentials_never_contain_password(void **state)
{
	const char *pw = "correct horse battery staple";
	(void)state;
	for (int h = 0; h < 2; h++) {
		struct scram_credentials c = make(pw, h ? SCRAM_SHA1 : SCRAM_SHA256, ITER);
		assert_null(memmem(&c, sizeof(c), pw, strlen(pw)));
		assert_null(memmem(&c, sizeof(c), "horse", 5));
		char *text = scram_credentials_encode(&c);
		assert_non_null(text);
		assert_null(strstr(text, "horse"));
		assert_true(strncmp(text, h ? "SCRAM-SHA-1$4096$" : "SCRAM-SHA-256$4096$",
		                    h ? 17 : 19) == 0);
		free(text);
	}
}

/* P-SEC-1: two users with the same password get different salts and keys. */
static void test_same_password_different_salt(void **state)
{
	(void)state;
	struct scram_credentials a = make("hunter2hunter2", SCRAM_SHA256, ITER);
	struct scram_credentials b = make("hunter2hunter2", SCRAM_SHA256, ITER);
	assert_memory_not_equal(a.salt, b.salt, sizeof(a.salt));
	assert_memory_not_equal(a.stored_key, b.stored_key, 32);
	assert_memory_not_equal(a.server_key, b.server_key, 32);
	assert_true(scram_password_matches("hunter2hunter2", &a));
	assert_true(scram_password_matches("hunter2hunter2", &b));
}

/* P-SEC-1: a wrong password is rejected (also near misses). */
static void test_wrong_password_rejected(void **state)
{
	(void)state;
	struct scram_credentials c = make("Tr0ub4dor&3", SCRAM_SHA256, ITER);
	struct scram_credentials c1 = make("Tr0ub4dor&3", SCRAM_SHA1, ITER);
	assert_true(scram_password_matches("Tr0ub4dor&3", &c));
	assert_true(scram_password_matches("Tr0ub4dor&3", &c1));
	assert_false(scram_password_matches("Tr0ub4dor&4", &c));
	assert_false(scram_password_matches("tr0ub4dor&3", &c));
	assert_false(scram_password_matches("Tr0ub4dor&3 ", &c));
	assert_false(scram_password_matches("", &c));
	assert_false(scram_password_matches(NULL, &c));
	assert_false(scram_password_matches("Tr0ub4dor&4", &c1));
}

/* P-SEC-1: the iteration count is honoured: stored, encoded, and it
 * changes the keys; counts out of bounds are refused. */
static void test_iterations_honoured(void **state)
{
	unsigned char salt[16] = {1, 2, 3};
	struct scram_credentials a, b, d;
	const char *error = NULL;
	(void)state;
	assert_int_equal(
	    scram_credentials_make_salt("pw-pw-pw", SCRAM_SHA256, 4096, salt, &a, &error), 0);
	assert_int_equal(
	    scram_credentials_make_salt("pw-pw-pw", SCRAM_SHA256, 4097, salt, &b, &error), 0);
	assert_int_equal(a.iterations, 4096);
	assert_int_equal(b.iterations, 4097);
	assert_memory_not_equal(a.stored_key, b.stored_key, 32);
	char *text = scram_credentials_encode(&b);
	assert_non_null(strstr(text, "$4097$"));
	assert_int_equal(scram_credentials_decode(text, &d), 0);
	assert_int_equal(d.iterations, 4097);
	assert_true(scram_password_matches("pw-pw-pw", &d));
	free(text);
	/* Same password and salt but another count does not verify. */
	b.iterations = 4096;
	assert_false(scram_password_matches("pw-pw-pw", &b));
	assert_int_equal(scram_credentials_make("pw", SCRAM_SHA256, 4095, &a, &error), -1);
	assert_non_null(error);
	assert_int_equal(
	    scram_credentials_make("pw", SCRAM_SHA256, SCRAM_ITERATIONS_MAX + 1, &a, &error), -1);
}

/* P-SEC-1: known answer (RFC 7677 §3): password "pencil", the example salt,
 * 4096 iterations give the keys behind the example's proof and signature;
 * checked through a whole server-side exchange below. */
static const char rfc_salt_b64[] = "W22ZaJ0SNY7soEsUEjb6gQ==";

static struct scram_credentials rfc7677_credentials(void)
{
	unsigned char salt[16];
	struct scram_credentials c;
	const char *error = NULL;
	assert_int_equal(b64_decode(rfc_salt_b64, strlen(rfc_salt_b64), salt, 16), 16);
	assert_int_equal(
	    scram_credentials_make_salt("pencil", SCRAM_SHA256, 4096, salt, &c, &error), 0);
	return c;
}

static void test_rfc7677_exchange(void **state)
{
	const char *cf = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
	const char *snonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
	const char *cfinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	                     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
	const char *user = NULL, *authz = NULL, *reply = NULL, *error = NULL;
	(void)state;
	struct scram_credentials c = rfc7677_credentials();
	struct scram_server *s = scram_server_new(SCRAM_SHA256, NULL, NULL, 0);
	assert_int_equal(scram_server_client_first(s, cf, strlen(cf), &user, &authz, &error), 0);
	assert_string_equal(user, "user");
	assert_null(authz);
	assert_int_equal(scram_server_first_nonce(s, &c, snonce, &reply, &error), 0);
	assert_string_equal(reply, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	                           "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
	assert_int_equal(scram_server_final(s, cfinal, strlen(cfinal), &reply, &error), 0);
	assert_string_equal(reply, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	scram_server_free(&s);
	assert_null(s);
	scram_server_free(&s);
}

/* P-SEC-1: a wrong proof (wrong password) fails the exchange; so does a
 * changed nonce or channel-binding echo. */
static void test_exchange_rejects_bad_final(void **state)
{
	const char *cf = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
	const char *snonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
	const char *bad[] = {
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=",
	    "",
	};
	(void)state;
	struct scram_credentials c = rfc7677_credentials();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *user = NULL, *authz = NULL, *reply = NULL, *error = NULL;
		struct scram_server *s = scram_server_new(SCRAM_SHA256, NULL, NULL, 0);
		assert_int_equal(
		    scram_server_client_first(s, cf, strlen(cf), &user, &authz, &error), 0);
		assert_int_equal(scram_server_first_nonce(s, &c, snonce, &reply, &error), 0);
		assert_int_equal(scram_server_final(s, bad[i], strlen(bad[i]), &reply, &error), -1);
		assert_null(reply);
		assert_non_null(error);
		/* A failed exchange stays failed. */
		assert_int_equal(scram_server_final(s, bad[i], strlen(bad[i]), &reply, &error), -1);
		scram_server_free(&s);
	}
	/* The same password with a fresh salt and a real client computation. */
}

/* Client side, computed here independently with OpenSSL, for a full
 * exchange with a random server nonce and channel binding. */
static char *client_final_for(const char *password, const struct scram_credentials *c,
                              const char *cfb, const char *sfirst, const char *without_proof)
{
	unsigned char salted[32], ckey[32], stored[32], csig[32], proof[32];
	unsigned int len = 0;
	char *auth = NULL, p64[B64_LEN(32) + 1];
	PKCS5_PBKDF2_HMAC(password, (int)strlen(password), c->salt, 16, (int)c->iterations,
	                  EVP_sha256(), 32, salted);
	HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, ckey, &len);
	EVP_Digest(ckey, 32, stored, &len, EVP_sha256(), NULL);
	assert_int_equal(asprintf(&auth, "%s,%s,%s", cfb, sfirst, without_proof) > 0, 1);
	HMAC(EVP_sha256(), stored, 32, (const unsigned char *)auth, strlen(auth), csig, &len);
	for (int i = 0; i < 32; i++)
		proof[i] = ckey[i] ^ csig[i];
	b64_encode(proof, 32, p64);
	free(auth);
	char *out = NULL;
	assert_int_equal(asprintf(&out, "%s,p=%s", without_proof, p64) > 0, 1);
	return out;
}

static int run_exchange(const char *password, const struct scram_credentials *c, bool bind)
{
	const unsigned char cb[] = "tls-exporter-data-32-bytes-xxxxx";
	const char *user = NULL, *authz = NULL, *sfirst = NULL, *reply = NULL, *error = NULL;
	const char *cf = bind ? "p=tls-exporter,a=ad=3Dmin=2C,n=us=2Cer,r=clientnonce123"
	                      : "n,,n=user,r=clientnonce123";
	struct scram_server *s = scram_server_new(SCRAM_SHA256, bind ? "tls-exporter" : NULL,
	                                          bind ? cb : NULL, bind ? sizeof(cb) - 1 : 0);
	assert_int_equal(scram_server_client_first(s, cf, strlen(cf), &user, &authz, &error), 0);
	if (bind) {
		assert_string_equal(user, "us,er");
		assert_string_equal(authz, "ad=min,");
	}
	assert_int_equal(scram_server_first(s, c, &sfirst, &error), 0);
	assert_true(strncmp(sfirst, "r=clientnonce123", 16) == 0);
	const char *nonce_end = strchr(sfirst, ',');
	char cbind[128], *without = NULL;
	const char *gs2 = bind ? "p=tls-exporter,a=ad=3Dmin=2C," : "n,,";
	unsigned char cbin[96];
	size_t gl = strlen(gs2);
	memcpy(cbin, gs2, gl);
	if (bind)
		memcpy(cbin + gl, cb, sizeof(cb) - 1);
	b64_encode(cbin, gl + (bind ? sizeof(cb) - 1 : 0), cbind);
	assert_int_equal(
	    asprintf(&without, "c=%s,%.*s", cbind, (int)(nonce_end - sfirst), sfirst) > 0, 1);
	char *cfinal = client_final_for(password, c, cf + gl, sfirst, without);
	int rc = scram_server_final(s, cfinal, strlen(cfinal), &reply, &error);
	if (rc == 0)
		assert_true(strncmp(reply, "v=", 2) == 0);
	free(without);
	free(cfinal);
	scram_server_free(&s);
	return rc;
}

/* P-SEC-1: an exchange with the right password succeeds and one with a
 * wrong password fails, with and without channel binding. */
static void test_exchange_round_trip(void **state)
{
	(void)state;
	struct scram_credentials c = make("s3cret-Passphrase", SCRAM_SHA256, ITER);
	assert_int_equal(run_exchange("s3cret-Passphrase", &c, false), 0);
	assert_int_equal(run_exchange("s3cret-Passphrase", &c, true), 0);
	assert_int_equal(run_exchange("s3cret-passphrase", &c, false), -1);
	assert_int_equal(run_exchange("s3cret-passphrase", &c, true), -1);
}

/* Malformed client-first messages and downgrades are refused. */
static void test_client_first_rejects(void **state)
{
	const char *bad[] = {
	    "",
	    "n",
	    "n,",
	    "n,,",
	    "n,,n=",
	    "n,,n=user",
	    "n,,n=user,r=",
	    "n,,n=us=er,r=abc",
	    "n,,n=us=2,r=abc",
	    "x,,n=user,r=abc",
	    "m=ext,n=user,r=abc",
	    "n,,m=ext,n=user,r=abc",
	    "p=tls-unique,,n=user,r=abc",
	    "n,a=,n=user,r=abc",
	    "n,,n=user,r=ab c",
	    "y,,n=user,r=abc", /* refused below: the server offers binding */
	};
	const unsigned char cb[] = "x";
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *user = NULL, *authz = NULL, *error = NULL;
		struct scram_server *s = scram_server_new(SCRAM_SHA256, "tls-exporter", cb, 1);
		assert_int_equal(
		    scram_server_client_first(s, bad[i], strlen(bad[i]), &user, &authz, &error),
		    -1);
		assert_null(user);
		assert_non_null(error);
		scram_server_free(&s);
	}
	/* A NUL inside, and an oversized message. */
	const char *user = NULL, *authz = NULL, *error = NULL;
	struct scram_server *s = scram_server_new(SCRAM_SHA256, NULL, NULL, 0);
	assert_int_equal(scram_server_client_first(s, "n,,n=u\0,r=a", 11, &user, &authz, &error),
	                 -1);
	scram_server_free(&s);
	char *big = malloc(SCRAM_MESSAGE_MAX + 10);
	memset(big, 'a', SCRAM_MESSAGE_MAX + 10);
	memcpy(big, "n,,n=user,r=", 12);
	s = scram_server_new(SCRAM_SHA256, NULL, NULL, 0);
	assert_int_equal(
	    scram_server_client_first(s, big, SCRAM_MESSAGE_MAX + 10, &user, &authz, &error), -1);
	scram_server_free(&s);
	free(big);
	/* 'y' is fine when the server offers no binding. */
	s = scram_server_new(SCRAM_SHA256, NULL, NULL, 0);
	assert_int_equal(scram_server_client_first(s, "y,,n=user,r=abc", 15, &user, &authz, &error),
	                 0);
	scram_server_free(&s);
}

/* Unknown users get stable fake credentials that no password matches. */
static void test_fake_credentials(void **state)
{
	unsigned char key[32] = {7};
	struct scram_credentials a, b, c;
	(void)state;
	scram_credentials_fake(SCRAM_SHA256, ITER, key, "ghost", &a);
	scram_credentials_fake(SCRAM_SHA256, ITER, key, "ghost", &b);
	scram_credentials_fake(SCRAM_SHA256, ITER, key, "other", &c);
	assert_memory_equal(a.salt, b.salt, 16);
	assert_memory_not_equal(a.salt, c.salt, 16);
	assert_false(scram_password_matches("ghost", &a));
	assert_int_equal(run_exchange("anything", &a, false), -1);
}

/* Encode/decode round trip for both hashes. */
static void test_encode_decode_round_trip(void **state)
{
	(void)state;
	for (int h = 0; h < 2; h++) {
		struct scram_credentials c =
		    make("round-trip", h ? SCRAM_SHA1 : SCRAM_SHA256, 5000);
		struct scram_credentials d;
		char *text = scram_credentials_encode(&c);
		assert_int_equal(scram_credentials_decode(text, &d), 0);
		assert_memory_equal(&c, &d, sizeof(c));
		assert_true(scram_password_matches("round-trip", &d));
		free(text);
	}
}

/* P-SEC-1: decode is strict: anything but the exact canonical form is
 * refused and leaves the output zeroed. */
static void test_decode_rejects_malformed(void **state)
{
	static const char good[] = "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	const char *bad[] = {
	    "",
	    "SCRAM-SHA-256",
	    "SCRAM-SHA-256$",
	    "SCRAM-SHA-512$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "scram-sha-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$04096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$+4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4095$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$99999999999$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gR==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6g===$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22Za "
	    "J0SNY7soEsUEjb6gQ==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-1$4096$W22ZaJ0SNY7soEsUEjb6gQ==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	    "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "SCRAM-SHA-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};
	struct scram_credentials c;
	(void)state;
	assert_int_equal(scram_credentials_decode(good, &c), 0);
	assert_int_equal(c.hash, SCRAM_SHA256);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0xaa, sizeof(c));
		if (scram_credentials_decode(bad[i], &c) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(c.iterations, 0);
		assert_int_equal(c.hash, 0);
	}
	assert_int_equal(scram_credentials_decode(NULL, &c), -1);
}

/* Passwords: empty, too long and control characters are refused. */
static void test_password_rules(void **state)
{
	struct scram_credentials c;
	const char *error = NULL;
	char big[SCRAM_PASSWORD_MAX + 2];
	(void)state;
	assert_int_equal(scram_credentials_make("", SCRAM_SHA256, ITER, &c, &error), -1);
	assert_int_equal(scram_credentials_make(NULL, SCRAM_SHA256, ITER, &c, &error), -1);
	assert_int_equal(scram_credentials_make("bell\a", SCRAM_SHA256, ITER, &c, &error), -1);
	assert_int_equal(scram_credentials_make("new\nline", SCRAM_SHA256, ITER, &c, &error), -1);
	assert_int_equal(scram_credentials_make("bad\xff utf8", SCRAM_SHA256, ITER, &c, &error),
	                 -1);
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(scram_credentials_make(big, SCRAM_SHA256, ITER, &c, &error), -1);
	big[SCRAM_PASSWORD_MAX] = '\0';
	assert_int_equal(scram_credentials_make(big, SCRAM_SHA256, ITER, &c, &error), 0);
	/* Non-ASCII is fine; SASLprep maps a no-break space to a space. */
	assert_int_equal(
	    scram_credentials_make("caf\xc3\xa9 au lait", SCRAM_SHA256, ITER, &c, &error), 0);
	assert_true(scram_password_matches("caf\xc3\xa9 au lait", &c));
	assert_int_equal(scram_credentials_make("a\xc2\xa0z", SCRAM_SHA256, ITER, &c, &error), 0);
	assert_true(scram_password_matches("a z", &c));
}

static void test_b64_strict(void **state)
{
	unsigned char out[8];
	char enc[16];
	(void)state;
	b64_encode((const unsigned char *)"ab", 2, enc);
	assert_string_equal(enc, "YWI=");
	assert_int_equal(b64_decode("YWI=", 4, out, sizeof(out)), 2);
	assert_int_equal(b64_decode("YWJ=", 4, out, sizeof(out)), -1); /* padding bits */
	assert_int_equal(b64_decode("YQ==", 4, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'a');
	assert_int_equal(b64_decode("YW==", 4, out, sizeof(out)), -1); /* padding bits */
	assert_int_equal(b64_decode("YQ==YQ==", 8, out, sizeof(out)), -1);
	assert_int_equal(b64_decode("YWI", 3, out, sizeof(out)), -1);
	assert_int_equal(b64_decode("=WI=", 4, out, sizeof(out)), -1);
	assert_int_equal(b64_decode("YWJj", 4, out, 2), -1); /* bound */
	assert_int_equal(b64_decode("", 0, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_credentials_never_contain_password),
	    cmocka_unit_test(test_same_password_different_salt),
	    cmocka_unit_test(test_wrong_password_rejected),
	    cmocka_unit_test(test_iterations_honoured),
	    cmocka_unit_test(test_rfc7677_exchange),
	    cmocka_unit_test(test_exchange_rejects_bad_final),
	    cmocka_unit_test(test_exchange_round_trip),
	    cmocka_unit_test(test_client_first_rejects),
	    cmocka_unit_test(test_fake_credentials),
	    cmocka_unit_test(test_encode_decode_round_trip),
	    cmocka_unit_test(test_decode_rejects_malformed),
	    cmocka_unit_test(test_password_rules),
	    cmocka_unit_test(test_b64_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
