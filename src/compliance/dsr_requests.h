/*
 * privacy/dsr_requests: requests a data subject files with Iris, the
 * processor (P-DSR-7). For a business or company tenant Iris does not answer
 * them: a request is forwarded to the tenant admins' queue at once
 * (status "forwarded") and tracked until an admin answers it ("answered"),
 * with a due date one calendar month after receipt (Art. 12(3)); past it an
 * open request is "overdue". Requests of freemium users (no tenant: the
 * operator is the controller) stay "received" in the operator's queue
 * (tenant "": GET /api/v1/privacy-requests, irisctl dsr requests), where
 * the operator answers them the same way. Times come from clock_action_now()
 * (core/clock.h: clock_action_now), so the test clock moves "overdue".
 * Message and answer are sealed under the requester's subject key.
 */
#ifndef IRIS_PRIVACY_DSR_REQUESTS_H
#define IRIS_PRIVACY_DSR_REQUESTS_H

#include <jansson.h>
#include <stdint.h>

#include "privacy/dsr.h"

#define DSR_REQUEST_TEXT_MAX 4000

/* The kinds of request, NULL-terminated: access, rectification, erasure,
 * restriction, portability, objection, other. */
extern const char *const dsr_request_kinds[];
/* True for one of dsr_request_kinds. */
bool dsr_request_kind_valid(const char *kind);

/* Files a request of account_id (tenant_id "" for freemium). Errors:
 * "invalid_field". id_r receives the id, due_r the due date. */
int dsr_request_file(const struct dsr_ctx *cx, const char *tenant_id, const char *account_id,
                     const char *kind, const char *message, char id_r[IDS_UUID_LEN], int64_t *due_r,
                     const char **error_r);
/* Requests of tenant_id (account_id NULL: all of them; else only that
 * account's), oldest first: [{id, account_id, kind, message, status,
 * received_at, forwarded_at, due_at, overdue, answered_at, answered_by,
 * answer}]. */
int dsr_request_list(const struct dsr_ctx *cx, const char *tenant_id, const char *account_id,
                     json_t **out_r);
/* An admin (or, for tenant "", the operator) answers. Errors: "not_found",
 * "conflict" (already answered), "invalid_field". */
int dsr_request_answer(const struct dsr_ctx *cx, const struct dsr_actor *actor,
                       const char *tenant_id, const char *request_id, const char *answer,
                       const char **error_r);

#endif
