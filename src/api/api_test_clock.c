/*
 * api_test_clock: the operator's test clock (issue 4 item 14), registered
 * only when server.test_mode is true; otherwise the routes do not exist
 * (404).
 *   GET  /api/v1/test/clock                    operator: {offset_s, now}
 *   POST /api/v1/test/clock {advance_s}        operator: moves the clock of
 *        every time-driven duty (core/clock.h) forward, then runs the jobs
 *        due at the new time before answering {offset_s, now, jobs_run}, so
 *        24-hour, 72-hour, 30-day and one-year rules are tested in seconds.
 */
#include "core/module.h"
#include "api/api_internal.h"
#include "api/api_registers.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/app.h"
#include "core/clock.h"
#include "domain/jobs.h"

/* At most ten years per call; the runs after one advance are bounded too. */
#define TEST_CLOCK_MAX_ADVANCE_S ((int64_t)10 * 366 * 86400)
#define TEST_CLOCK_MAX_ROUNDS 32
#define TEST_CLOCK_BATCH 64

static json_t *clock_json(void)
{
	return json_pack("{s:I, s:I}", "offset_s", (json_int_t)clock_offset(), "now",
	                 (json_int_t)clock_now());
}

static void h_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct principal p;
	if (regs_api_operator(app, st, req, resp, &p) < 0)
		return;
	http_response_json(resp, 200, clock_json());
}

static void h_advance(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"advance_s", API_INT, true}, {NULL, 0, false}};
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct principal p;
	json_t *body;
	if (regs_api_operator(app, st, req, resp, &p) < 0 || api_body(req, resp, spec, &body) < 0)
		return;
	json_int_t s = json_integer_value(json_object_get(body, "advance_s"));
	json_decref(body);
	if (s < 0 || s > TEST_CLOCK_MAX_ADVANCE_S) {
		api_fail_field(resp, "invalid_field", "advance_s");
		return;
	}
	int64_t offset = clock_advance((int64_t)s);
	log_info("event=test_clock_advanced advance_s=%lld offset_s=%lld", (long long)s,
	         (long long)offset);
	/* Every job due at the new time runs now, before the answer (the
	 * periodic runner would only see them at its next tick). */
	int total = 0, n;
	for (int round = 0; round < TEST_CLOCK_MAX_ROUNDS; round++) {
		n = jobs_run_due(app, st, clock_now(), TEST_CLOCK_BATCH);
		if (n < 0) {
			http_response_error(resp, 500, "internal_error",
			                    "running the due jobs failed");
			return;
		}
		total += n;
		if (n < TEST_CLOCK_BATCH)
			break;
	}
	json_t *r = clock_json();
	json_object_set_new(r, "jobs_run", json_integer(total));
	http_response_json(resp, 200, r);
}

void api_routes_test_clock(struct http_router *router, struct app *app);

void api_routes_test_clock(struct http_router *router, struct app *app)
{
	if (!app->cfg->test_mode)
		return;
	log_warn("event=test_mode_on note=\"the test clock can be moved by operators\"");
	http_router_add(router, "GET", "/api/v1/test/clock", HTTP_ROUTE_WORKER, h_get, app);
	http_router_add(router, "POST", "/api/v1/test/clock", HTTP_ROUTE_WORKER, h_advance, app);
}

/* The operator's test clock; its routes answer 404 unless server.test_mode. */
const struct module test_clock_module = {
    .name = "test_clock",
    .routes = api_routes_test_clock,
};
