"""Helpers shared by the account, auth, tenant and profile API tests (no
tests in here). Uses the `iris` fixture of conftest.py."""
import re
import uuid

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
CONFIRM_LINK = re.compile(r"(https?://\S+?)(/api/v1/register/confirm\?code=([0-9a-f]+))")

_tokens = {}


def unique(prefix):
    """A fresh username (XMPP-localpart-safe)."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def error_code(r):
    return r.json()["error"]["code"]


def full_token(iris, username, password):
    """Logs in; when the account must change its one-time password, changes
    it (remembered per username) and returns a full token."""
    key = (iris.data_dir, username)
    password = _tokens.get(key, password)
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert r.status_code == 200, r.text
    body = r.json()
    if body["scope"] == "full":
        return body["token"]
    new = "changed-" + uuid.uuid4().hex
    r = iris.api("POST", "/api/v1/me/password",
                 {"current_password": password, "new_password": new}, token=body["token"])
    assert r.status_code == 200, r.text
    _tokens[key] = new
    return r.json()["token"]


def operator_token(iris):
    op = iris.first_login["operator"]
    return full_token(iris, op["username"], op["password"])


def default_admin_token(iris):
    adm = iris.first_login["tenant_admin"]
    return full_token(iris, adm["username"], adm["password"])


def register(iris, prefix="user", confirm=True):
    """Self-registers a freemium user, confirms through the link of the mail
    actually received, and returns (username, password, email, token|None)."""
    username = unique(prefix)
    email = "%s@example.org" % username
    password = "pw-" + uuid.uuid4().hex
    r = iris.api("POST", "/api/v1/register", {
        "username": username, "password": password, "email": email,
        "first_name": "Test", "last_name": "User"})
    assert r.status_code == 202, r.text
    if not confirm:
        return username, password, email, None
    msg = iris.mails.wait_for(email)
    m = CONFIRM_LINK.search(msg.get_content())
    assert m, msg.get_content()
    r = iris.api("GET", m.group(2))
    assert r.status_code == 200, r.text
    return username, password, email, iris.login(username, password)


def make_tenant(iris, name=None):
    """Operator creates a tenant and its admin; returns (tenant_id, admin_token)."""
    op = operator_token(iris)
    r = iris.api("POST", "/api/v1/tenants", {"name": name or unique("org")}, token=op)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    admin = unique("admin")
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": admin, "password": "admin-password-1", "role": "tenant_admin",
        "email": admin + "@example.org", "first_name": "Ada", "last_name": "Admin"}, token=op)
    assert r.status_code == 201, r.text
    return tid, full_token(iris, admin, "admin-password-1")


def add_member(iris, tid, admin_token, role="user", prefix="member"):
    """Admin creates a member; returns (id, username, token)."""
    username = unique(prefix)
    password = "pw-" + uuid.uuid4().hex
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": username, "password": password, "role": role,
        "email": username + "@example.org", "first_name": "Mem", "last_name": "Ber"},
        token=admin_token)
    assert r.status_code == 201, r.text
    return r.json()["id"], username, full_token(iris, username, password)
