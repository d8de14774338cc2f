/* domain/clock: see clock.h. */
#include "domain/clock.h"

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
