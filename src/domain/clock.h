/*
 * domain/clock: the one clock of time-driven duties (jobs, breach clocks,
 * objection windows, retention, end of contract): the wall clock plus an
 * offset that only the operator's test clock moves (server.test_mode,
 * POST /api/v1/test/clock, issue 4 item 14). The offset is 0 outside test
 * mode and lives in memory only: a restart resets it.
 */
#ifndef IRIS_DOMAIN_CLOCK_H
#define IRIS_DOMAIN_CLOCK_H

#include <stdint.h>

/* time(NULL) + the offset, in Unix seconds. Any thread. */
int64_t clock_now(void);

/* The current offset in seconds (0 unless moved). */
int64_t clock_offset(void);

/* Moves the clock forward by seconds (> 0); returns the new offset. The
 * clock never goes backwards: a non-positive value changes nothing. */
int64_t clock_advance(int64_t seconds);

#endif
