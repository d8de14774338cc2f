"""Security review regressions: accounts and members (REST, live irisd)."""
from test_accounts_lib import add_member, error_code, make_tenant


# P-ACC-2, P-SEC-4: the tenant's last active admin cannot be removed by a
# PATCH either (demotion or disabling would leave nobody to manage the
# tenant, exactly what the 409 last_admin of DELETE prevents).
def test_last_admin_cannot_demote_or_disable_self(iris):
    tid, admin = make_tenant(iris)
    me = iris.api("GET", "/api/v1/me", token=admin).json()["id"]
    path = "/api/v1/tenants/%s/members/%s" % (tid, me)
    for body in ({"role": "user"}, {"role": "auditor"}, {"status": "disabled"}):
        r = iris.api("PATCH", path, body, token=admin)
        assert r.status_code == 409, (body, r.status_code, r.text)
        assert error_code(r) == "last_admin"
    r = iris.api("GET", path, token=admin)
    assert r.status_code == 200
    assert r.json()["role"] == "tenant_admin" and r.json()["status"] == "active"
    # A no-op on the last admin is fine.
    r = iris.api("PATCH", path, {"role": "tenant_admin", "status": "active"}, token=admin)
    assert r.status_code == 200, r.text
    # With a second active admin, the first may step down.
    add_member(iris, tid, admin, role="tenant_admin", prefix="admin2")
    r = iris.api("PATCH", path, {"role": "user"}, token=admin)
    assert r.status_code == 200, r.text
