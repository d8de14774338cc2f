/* xmpp/sasl_internal: helpers of sasl.c, shared with its tests. */
#ifndef IRIS_XMPP_SASL_INTERNAL_H
#define IRIS_XMPP_SASL_INTERNAL_H

#include <stdint.h>

#include "crypto/scram.h"

struct app;
struct store;
struct xacct;

int64_t sasl_now_ms(void);
/* The stored SCRAM credentials of an account for hash. 0 or -1. */
int sasl_credentials(struct store *st, const char *account_id, enum scram_hash hash,
                     struct scram_credentials *out);

#endif
