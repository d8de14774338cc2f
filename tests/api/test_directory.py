"""Directory (P-DIR-1) and suggested contacts (P-DIR-2): exact-match search
through blind indexes, freemium users discoverable, a tenant decides whether
its members are, results bounded to username and display name, searches
rate-limited per account; suggestions are same-tenant users of the caller's
e-mail domain."""
import uuid
from urllib.parse import quote

from test_accounts_lib import add_member, error_code, make_tenant, register, unique


def search(iris, token, q):
    return iris.api("GET", "/api/v1/directory?q=" + quote(q), token=token)


def member(iris, tid, admin, first, last, domain):
    username = unique("dir")
    password = "pw-" + uuid.uuid4().hex
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": username, "password": password, "email": "%s@%s" % (username, domain),
        "first_name": first, "last_name": last}, token=admin)
    assert r.status_code == 201, r.text
    return username, iris.login(username, password)


# P-DIR-1
def test_search_and_tenant_discoverability(iris):
    surname = "Zed" + uuid.uuid4().hex[:8]
    tid, admin = make_tenant(iris)
    m_user, m_token = member(iris, tid, admin, "Mara", surname, "org.example")
    _, _, _, outsider = register(iris, prefix="dir-out")
    # A freemium user with the same surname.
    f_user = unique("dir-free")
    pw = "pw-" + uuid.uuid4().hex
    r = iris.api("POST", "/api/v1/register", {"username": f_user, "password": pw,
                 "email": f_user + "@example.org", "first_name": "Fritz", "last_name": surname})
    assert r.status_code == 202
    import re
    msg = iris.mails.wait_for(f_user + "@example.org")
    link = re.search(r"(/api/v1/register/confirm\?code=[0-9a-f]+)", msg.get_content()).group(1)
    assert iris.api("GET", link).status_code == 200

    r = search(iris, outsider, surname.lower())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["limit"] == 20
    found = {x["username"]: x for x in body["results"]}
    assert set(found) == {m_user, f_user}
    assert found[m_user] == {"username": m_user, "display_name": "Mara " + surname}
    # All words must match; no prefixes.
    assert [x["username"] for x in search(iris, outsider, "fritz " + surname).json()["results"]] \
        == [f_user]
    assert search(iris, outsider, surname[:-1]).json()["results"] == []
    # By username and by e-mail address.
    assert [x["username"] for x in search(iris, outsider, m_user).json()["results"]] == [m_user]
    assert [x["username"] for x in
            search(iris, outsider, m_user + "@org.example").json()["results"]] == [m_user]

    # The tenant hides itself: outsiders no longer find its members; members still do.
    r = iris.api("PUT", "/api/v1/tenants/%s/directory" % tid, {"discoverable": False},
                 token=admin)
    assert r.status_code == 200, r.text
    assert r.json()["discoverable"] is False
    assert iris.api("GET", "/api/v1/tenants/%s" % tid, token=admin).json()["discoverable"] is False
    assert {x["username"] for x in search(iris, outsider, surname).json()["results"]} == {f_user}
    assert m_user in {x["username"] for x in search(iris, m_token, surname).json()["results"]}
    # Only the tenant's admin decides.
    r = iris.api("PUT", "/api/v1/tenants/%s/directory" % tid, {"discoverable": True},
                 token=m_token)
    assert r.status_code == 403
    r = iris.api("PUT", "/api/v1/tenants/%s/directory" % tid, {"discoverable": True},
                 token=outsider)
    assert r.status_code == 404
    r = iris.api("PUT", "/api/v1/tenants/%s/directory" % tid, {"discoverable": "yes"},
                 token=admin)
    assert r.status_code == 400
    r = iris.api("PUT", "/api/v1/tenants/%s/directory" % tid, {"discoverable": True},
                 token=admin)
    assert r.status_code == 200
    assert m_user in {x["username"] for x in search(iris, outsider, surname).json()["results"]}

    # Bad requests.
    assert iris.api("GET", "/api/v1/directory?q=x").status_code == 401
    r = iris.api("GET", "/api/v1/directory", token=outsider)
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    assert search(iris, outsider, "x" * 129).status_code == 400
    assert search(iris, outsider, "aa bb cc dd ee").status_code == 400


# P-DIR-1
def test_directory_search_rate_limited_per_account(iris):
    _, _, _, token = register(iris, prefix="dir-rl")
    statuses = [search(iris, token, "nobody-" + str(i)) for i in range(30)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert error_code(limited[0]) == "rate_limited"
    assert int(limited[0].headers["retry-after"]) >= 1
    # Other accounts are not affected.
    _, _, _, other = register(iris, prefix="dir-rl2")
    assert search(iris, other, "nobody").status_code == 200


# P-DIR-2
def test_suggestions_same_domain_same_tenant(iris):
    tid, admin = make_tenant(iris)
    domain = "acme-%s.example" % uuid.uuid4().hex[:6]
    a_user, a_token = member(iris, tid, admin, "Anna", "Acme", domain)
    b_user, _ = member(iris, tid, admin, "Bert", "Acme", domain.upper())
    member(iris, tid, admin, "Cora", "Else", "elsewhere.example")
    tid2, admin2 = make_tenant(iris)
    d_user, d_token = member(iris, tid2, admin2, "Dora", "Acme", domain)
    r = iris.api("GET", "/api/v1/me/suggestions", token=a_token)
    assert r.status_code == 200, r.text
    assert r.json()["suggestions"] == [{"username": b_user, "display_name": "Bert Acme"}]
    # Same domain in another tenant: not suggested across tenants.
    assert iris.api("GET", "/api/v1/me/suggestions", token=d_token).json()["suggestions"] == []
    # Freemium users get none.
    _, _, _, free = register(iris, prefix="dir-sugg")
    assert iris.api("GET", "/api/v1/me/suggestions", token=free).json()["suggestions"] == []
