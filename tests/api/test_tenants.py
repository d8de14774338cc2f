"""Tenants, members, roles, tenant separation, deletion (REST, live irisd)."""
import pytest

from test_accounts_lib import (UUID4, add_member, error_code, make_tenant, operator_token,
                               register, unique)


@pytest.fixture(scope="module")
def two_tenants(iris):
    a_id, a_admin = make_tenant(iris)
    b_id, b_admin = make_tenant(iris)
    b_member, _, _ = add_member(iris, b_id, b_admin)
    return {"a": a_id, "a_admin": a_admin, "b": b_id, "b_admin": b_admin, "b_member": b_member}


def tenant_endpoints(tid, uid):
    """Every tenant-scoped endpoint, with a harmless body."""
    return [
        ("GET", "/api/v1/tenants/%s" % tid, None),
        ("GET", "/api/v1/tenants/%s/members" % tid, None),
        ("POST", "/api/v1/tenants/%s/members" % tid, {"username": unique("x")}),
        ("GET", "/api/v1/tenants/%s/members/%s" % (tid, uid), None),
        ("PATCH", "/api/v1/tenants/%s/members/%s" % (tid, uid), {"status": "active"}),
        ("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, uid), None),
        ("GET", "/api/v1/tenants/%s/members/%s/profile" % (tid, uid), None),
        ("PATCH", "/api/v1/tenants/%s/members/%s/profile" % (tid, uid), {"title": "X"}),
        ("POST", "/api/v1/tenants/%s/members/%s/password" % (tid, uid), {}),
        ("POST", "/api/v1/tenants/%s/members/%s/revoke-tokens" % (tid, uid), None),
        ("GET", "/api/v1/tenants/%s/deletion-requests" % tid, None),
        ("GET", "/api/v1/tenants/%s/agreements" % tid, None),
    ]


# P-SEC-4, P-SEC-6: no admin, auditor or user of tenant A reaches tenant B;
# the answer is 404, so B's objects do not even show they exist.
def test_cross_tenant_refused(iris, two_tenants):
    t = two_tenants
    _, _, a_auditor = add_member(iris, t["a"], t["a_admin"], role="auditor")
    _, _, a_user = add_member(iris, t["a"], t["a_admin"])
    _, _, _, freemium = register(iris, "free")
    for token in [t["a_admin"], a_auditor, a_user, freemium]:
        for method, path, body in tenant_endpoints(t["b"], t["b_member"]):
            r = iris.api(method, path, body, token=token)
            assert r.status_code == 404, (method, path, r.status_code, r.text)
            assert error_code(r) == "not_found"
    # B's member is intact.
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s" % (t["b"], t["b_member"]),
                 token=t["b_admin"])
    assert r.status_code == 200
    # Only the operator manages tenants.
    for token in [t["a_admin"], a_auditor, a_user, freemium]:
        assert iris.api("GET", "/api/v1/tenants", token=token).status_code == 403
        assert iris.api("POST", "/api/v1/tenants", {"name": unique("n")},
                        token=token).status_code == 403


# P-SEC-4: the auditor reads its own tenant but every write is refused (403).
def test_auditor_read_only(iris, two_tenants):
    t = two_tenants
    victim, _, _ = add_member(iris, t["a"], t["a_admin"])
    _, _, auditor = add_member(iris, t["a"], t["a_admin"], role="auditor")
    for method, path, body in tenant_endpoints(t["a"], victim):
        r = iris.api(method, path, body, token=auditor)
        if method == "GET":
            assert r.status_code == 200, (path, r.text)
        else:
            assert r.status_code == 403, (method, path, r.status_code)
            assert error_code(r) == "forbidden"
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s" % (t["a"], victim), token=t["a_admin"])
    assert r.status_code == 200


# P-ACC-2: the admin creates, edits and deletes members; one-time passwords.
def test_admin_manages_members(iris, two_tenants):
    t = two_tenants
    username = unique("new")
    r = iris.api("POST", "/api/v1/tenants/%s/members" % t["a"],
                 {"username": username, "email": username + "@example.org",
                  "first_name": "New", "last_name": "Member"}, token=t["a_admin"])
    assert r.status_code == 201, r.text
    m = r.json()
    assert UUID4.match(m["id"]) and m["tenant_id"] == t["a"] and m["must_change_password"]
    otp = m["one_time_password"]
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": otp})
    assert r.json()["scope"] == "password_change"
    r = iris.api("PATCH", "/api/v1/tenants/%s/members/%s" % (t["a"], m["id"]),
                 {"role": "auditor", "email": "renamed-" + username + "@example.org"},
                 token=t["a_admin"])
    assert r.status_code == 200 and r.json()["role"] == "auditor"
    r = iris.api("PATCH", "/api/v1/tenants/%s/members/%s" % (t["a"], m["id"]),
                 {"role": "operator"}, token=t["a_admin"])
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    r = iris.api("POST", "/api/v1/tenants/%s/members" % t["a"], {"username": username},
                 token=t["a_admin"])
    assert r.status_code == 409 and error_code(r) == "username_taken"
    r = iris.api("GET", "/api/v1/tenants/%s/members" % t["a"], token=t["a_admin"])
    assert any(x["username"] == username for x in r.json()["members"])
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (t["a"], m["id"]),
                 token=t["a_admin"])
    assert r.status_code == 204
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s" % (t["a"], m["id"]), token=t["a_admin"])
    assert r.status_code == 404


# P-ACC-2: a member cannot delete themself; the request lands in the admin's
# queue, and the admin's decision erases the account.
def test_member_deletion_request(iris, two_tenants):
    t = two_tenants
    mid, username, token = add_member(iris, t["a"], t["a_admin"])
    r = iris.api("DELETE", "/api/v1/me", token=token)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    r = iris.api("POST", "/api/v1/me/deletion-request", token=token)
    assert r.status_code == 202
    rid = r.json()["id"]
    r = iris.api("GET", "/api/v1/tenants/%s/deletion-requests" % t["a"], token=t["a_admin"])
    req = [x for x in r.json()["requests"] if x["id"] == rid]
    assert req and req[0]["status"] == "open" and req[0]["account_id"] == mid
    assert req[0]["username"] == username
    # Not in the other tenant's queue.
    r = iris.api("GET", "/api/v1/tenants/%s/deletion-requests" % t["b"], token=t["b_admin"])
    assert all(x["id"] != rid for x in r.json()["requests"])
    r = iris.api("PATCH", "/api/v1/tenants/%s/deletion-requests/%s" % (t["a"], rid),
                 {"status": "done"}, token=t["a_admin"])
    assert r.status_code == 200
    r = iris.api("GET", "/api/v1/tenants/%s/deletion-requests" % t["a"], token=t["a_admin"])
    req = [x for x in r.json()["requests"] if x["id"] == rid][0]
    assert req["status"] == "done" and req["account_id"] is None
    assert iris.api("GET", "/api/v1/me", token=token).status_code == 401
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": "whatever1"})
    assert r.status_code == 401


# P-ACC-3: a freemium user without company deletes their own account.
def test_freemium_self_delete(iris):
    username, password, email, token = register(iris, "leaver")
    r = iris.api("POST", "/api/v1/me/deletion-request", token=token)
    assert r.status_code == 403
    assert iris.api("DELETE", "/api/v1/me", token=token).status_code == 204
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert r.status_code == 401
    # Username and address are free again.
    r = iris.api("POST", "/api/v1/register", {"username": username, "password": password,
                                              "email": email, "first_name": "A",
                                              "last_name": "B"})
    assert r.status_code == 202


# P-ACC-3, P-INS-1: founding a company needs the agreement; the acceptance is
# recorded (who, when, version) and the founder becomes the tenant's admin.
def test_company_records_dpa(iris):
    _, _, _, token = register(iris, "founder")
    name = unique("Company")
    r = iris.api("POST", "/api/v1/me/company", {"name": name, "accept_dpa": False}, token=token)
    assert r.status_code == 400 and error_code(r) == "dpa_required"
    r = iris.api("POST", "/api/v1/me/company", {"name": name}, token=token)
    assert r.status_code == 400 and error_code(r) == "missing_field"
    r = iris.api("POST", "/api/v1/me/company", {"name": name, "accept_dpa": "yes"}, token=token)
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    r = iris.api("POST", "/api/v1/me/company", {"name": name, "accept_dpa": True}, token=token)
    assert r.status_code == 201, r.text
    body = r.json()
    tid = body["tenant"]["id"]
    assert body["account"]["role"] == "tenant_admin" and body["account"]["tenant_id"] == tid
    r = iris.api("GET", "/api/v1/tenants/%s/agreements" % tid, token=token)
    assert r.status_code == 200
    (agreement,) = r.json()["agreements"]
    assert agreement["accepted_by"] == body["account"]["id"]
    assert agreement["version"] and agreement["accepted_at"] > 0
    r = iris.api("GET", "/api/v1/me", token=token)
    assert r.json()["email"].endswith("@example.org")  # re-sealed under the new key
    # Now a member of a business tenant: no self-deletion.
    assert iris.api("DELETE", "/api/v1/me", token=token).status_code == 403
    op = operator_token(iris)
    r = iris.api("GET", "/api/v1/tenants", token=op)
    assert any(x["id"] == tid and x["plan"] == "company" for x in r.json()["tenants"])


# P-SEC-4: an admin revokes a member's tokens.
def test_admin_revokes_tokens(iris, two_tenants):
    t = two_tenants
    mid, _, token = add_member(iris, t["a"], t["a_admin"])
    r = iris.api("POST", "/api/v1/tenants/%s/members/%s/revoke-tokens" % (t["a"], mid),
                 token=t["a_admin"])
    assert r.status_code == 204
    assert iris.api("GET", "/api/v1/me", token=token).status_code == 401
