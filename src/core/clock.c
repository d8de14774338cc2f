/* core/clock: see clock.h. */
#include "core/clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t offset;

int64_t clock_now(void)
{
	return (int64_t)time(NULL) + atomic_load(&offset);
}

int64_t clock_offset(void)
{
	return atomic_load(&offset);
}

int64_t clock_advance(int64_t seconds)
{
	if (seconds <= 0)
		return atomic_load(&offset);
	return atomic_fetch_add(&offset, seconds) + seconds;
}

static _Atomic int64_t action_fixed;

int64_t clock_action_now(void)
{
	int64_t f = atomic_load(&action_fixed);
	return f != 0 ? f : clock_now();
}

void clock_action_fix(int64_t fixed_now)
{
	atomic_store(&action_fixed, fixed_now);
}

int64_t clock_add_month(int64_t t)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	tm.tm_mon += 1;
	if (tm.tm_mon == 12) {
		tm.tm_mon = 0;
		tm.tm_year += 1;
	}
	int y = tm.tm_year + 1900;
	int max =
	    days[tm.tm_mon] + (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (tm.tm_mday > max)
		tm.tm_mday = max;
	return (int64_t)timegm(&tm);
}
