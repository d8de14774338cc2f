/*
 * domain/auth_policy: the one authorisation decision for tenant-scoped
 * resources (P-SEC-4, P-SEC-6). Kept as a pure function of the caller and
 * the target tenant so that the whole matrix is unit-tested in one place.
 *
 *                      operator  tenant_admin  auditor  user    other tenant
 *   tenants manage      yes       403           403      403     -
 *   tenant read         yes       own           own      403     404
 *   members read        403       own           own      403     404
 *   members create      yes       own           403      403     404
 *   members write       403       own           403      403     404
 *   tokens revoke       yes       own           403      403     404
 *
 * The operator runs the installation (the processor) and may create tenants
 * and their first accounts, but reads no tenant's personal data.
 */
#include "domain/auth.h"

#include <string.h>

static bool same_tenant(const struct principal *p, const char *tenant_id)
{
	return tenant_id != NULL && p->account.tenant_id[0] != '\0' &&
	       strcmp(p->account.tenant_id, tenant_id) == 0;
}

static int operator_may(enum authz_action action)
{
	switch (action) {
	case AZ_TENANTS_MANAGE:
	case AZ_TENANT_READ:
	case AZ_MEMBERS_CREATE:
	case AZ_TOKENS_REVOKE:
		return 0;
	case AZ_MEMBERS_READ:
	case AZ_MEMBERS_WRITE:
		return 403;
	}
	return 403;
}

static int member_may(enum account_role role, enum authz_action action)
{
	switch (action) {
	case AZ_TENANTS_MANAGE:
		return 403;
	case AZ_TENANT_READ:
	case AZ_MEMBERS_READ:
		return role == ROLE_TENANT_ADMIN || role == ROLE_AUDITOR ? 0 : 403;
	case AZ_MEMBERS_CREATE:
	case AZ_MEMBERS_WRITE:
	case AZ_TOKENS_REVOKE:
		return role == ROLE_TENANT_ADMIN ? 0 : 403;
	}
	return 403;
}

int auth_authorize(const struct principal *p, enum authz_action action, const char *tenant_id)
{
	if (p->scope != TOKEN_FULL)
		return 403;
	if (p->account.role == ROLE_OPERATOR)
		return operator_may(action);
	if (action == AZ_TENANTS_MANAGE)
		return 403;
	if (!same_tenant(p, tenant_id))
		return 404;
	return member_may(p->account.role, action);
}
