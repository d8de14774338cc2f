/* core/account_events: see account_events.h. */
#include "core/account_events.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	account_events_fn *fn;
	void *ctx;
} subs[ACCOUNT_EVENTS_MAX_SUBSCRIBERS];

int account_events_subscribe(account_events_fn *fn, void *ctx)
{
	int rc = -1;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ACCOUNT_EVENTS_MAX_SUBSCRIBERS; i++)
		if (subs[i].fn == NULL) {
			subs[i].fn = fn;
			subs[i].ctx = ctx;
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&lock);
	return rc;
}

void account_events_unsubscribe(account_events_fn *fn, void *ctx)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ACCOUNT_EVENTS_MAX_SUBSCRIBERS; i++)
		if (subs[i].fn == fn && subs[i].ctx == ctx)
			subs[i].fn = NULL, subs[i].ctx = NULL;
	pthread_mutex_unlock(&lock);
}

static void copy_field(char *dst, size_t size, const char *src)
{
	dst[0] = '\0';
	if (src != NULL && strlen(src) < size)
		memcpy(dst, src, strlen(src) + 1);
}

void account_events_notify(enum account_change change, const char *account_id,
                           const char *tenant_id, const char *keep_session)
{
	struct account_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.change = change;
	copy_field(ev.account_id, sizeof(ev.account_id), account_id);
	copy_field(ev.tenant_id, sizeof(ev.tenant_id), tenant_id);
	copy_field(ev.keep_session, sizeof(ev.keep_session), keep_session);
	/* The lock is held while subscribers run, so unsubscribe() returning
	 * means the subscriber's context may be freed. */
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ACCOUNT_EVENTS_MAX_SUBSCRIBERS; i++)
		if (subs[i].fn != NULL)
			subs[i].fn(&ev, subs[i].ctx);
	pthread_mutex_unlock(&lock);
}

const char *account_change_name(enum account_change change)
{
	switch (change) {
	case ACCOUNT_CHANGE_RESTRICTED:
		return "restricted";
	case ACCOUNT_CHANGE_DISABLED:
		return "disabled";
	case ACCOUNT_CHANGE_PASSWORD:
		return "password";
	case ACCOUNT_CHANGE_ERASED:
		return "erased";
	case ACCOUNT_CHANGE_TENANT_DESTROYED:
		return "tenant_destroyed";
	}
	return "unknown";
}

int account_change_parse(const char *name, enum account_change *change_r)
{
	for (int i = ACCOUNT_CHANGE_RESTRICTED; i <= ACCOUNT_CHANGE_TENANT_DESTROYED; i++)
		if (name != NULL &&
		    strcmp(name, account_change_name((enum account_change)i)) == 0) {
			*change_r = (enum account_change)i;
			return 0;
		}
	return -1;
}
