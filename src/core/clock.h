/*
 * core/clock: the one clock of time-driven duties (jobs, breach clocks,
 * objection windows, retention, end of contract): the wall clock plus an
 * offset that only the operator's test clock moves (server.test_mode,
 * POST /api/v1/test/clock, issue 4 item 14). The offset is 0 outside test
 * mode and lives in memory only: a restart resets it.
 */
#ifndef IRIS_CORE_CLOCK_H
#define IRIS_CORE_CLOCK_H

#include <stdint.h>

/* time(NULL) + the offset, in Unix seconds. Any thread. */
int64_t clock_now(void);

/* The current offset in seconds (0 unless moved). */
int64_t clock_offset(void);

/* Moves the clock forward by seconds (> 0); returns the new offset. The
 * clock never goes backwards: a non-positive value changes nothing. */
int64_t clock_advance(int64_t seconds);

/* The time of actions taken outside jobs (an admin's instruction, a breach
 * recorded through the API, a data-subject request): clock_now(), or the
 * time fixed by unit tests with clock_action_fix (0 = the clock again).
 * Jobs never read it; they get the run's `now` from jobs_run_due
 * (domain/jobs.h), so tests drive every duty with jobs_run_due(now). */
int64_t clock_action_now(void);
void clock_action_fix(int64_t fixed_now);

/* t plus one calendar month, the day clamped to the month's length (the
 * one-month answer time of GDPR Art. 12(3), P-DSR-7). */
int64_t clock_add_month(int64_t t);

#endif
