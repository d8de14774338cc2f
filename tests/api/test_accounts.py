"""Self-registration, confirmation, bad input, at-rest checks (REST, live irisd)."""
import uuid

from test_accounts_lib import (CONFIRM_LINK, UUID4, error_code, operator_token, register,
                               unique)


def reg_body(**over):
    username = unique("reg")
    body = {"username": username, "password": "pw-" + uuid.uuid4().hex,
            "email": username + "@example.org", "first_name": "Reg", "last_name": "Istered"}
    body.update(over)
    return body


# P-ACC-1: registration, confirmation through the link in the received mail, login.
def test_register_confirm_link(iris):
    body = reg_body()
    r = iris.api("POST", "/api/v1/register", body)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "pending"
    r = iris.api("POST", "/api/v1/auth/login",
                 {"username": body["username"], "password": body["password"]})
    assert r.status_code == 403 and error_code(r) == "confirmation_required"
    msg = iris.mails.wait_for(body["email"])
    text = msg.get_content()
    m = CONFIRM_LINK.search(text)
    assert m, text
    assert m.group(1) == iris.url
    assert m.group(3) in text.split("code:")[1]  # the code is in the mail too
    r = iris.api("GET", m.group(2))
    assert r.status_code == 200 and r.json()["status"] == "active"
    r = iris.api("GET", m.group(2))  # single use
    assert r.status_code == 400 and error_code(r) == "invalid_code"
    token = iris.login(body["username"], body["password"])
    r = iris.api("GET", "/api/v1/me", token=token)
    assert r.status_code == 200
    assert r.json()["email"] == body["email"]
    assert r.json()["tenant_id"] is None and r.json()["role"] == "user"


# P-ACC-1: the code from the mail can be entered instead of following the link.
def test_register_confirm_code(iris):
    body = reg_body()
    assert iris.api("POST", "/api/v1/register", body).status_code == 202
    code = CONFIRM_LINK.search(iris.mails.wait_for(body["email"]).get_content()).group(3)
    r = iris.api("POST", "/api/v1/register/confirm", {"code": "0" * 32})
    assert r.status_code == 400 and error_code(r) == "invalid_code"
    r = iris.api("POST", "/api/v1/register/confirm", {"code": code})
    assert r.status_code == 200
    iris.login(body["username"], body["password"])


# P-ACC-1: duplicate usernames and addresses are refused.
def test_duplicates(iris):
    username, _, email, _ = register(iris, confirm=False)
    r = iris.api("POST", "/api/v1/register", reg_body(username=username))
    assert r.status_code == 409 and error_code(r) == "username_taken"
    r = iris.api("POST", "/api/v1/register", reg_body(email=email.upper()))
    assert r.status_code == 409 and error_code(r) == "email_taken"


# P-ACC-1: invalid e-mail, username and password.
def test_invalid_values(iris):
    for bad in ["no-at-sign", "a@b", "a b@example.org", "x@example..org"]:
        r = iris.api("POST", "/api/v1/register", reg_body(email=bad))
        assert r.status_code == 400 and error_code(r) == "invalid_email", bad
    for bad in ["A-upper", "x", "with space", "ümlaut", "a" * 65]:
        r = iris.api("POST", "/api/v1/register", reg_body(username=bad))
        assert r.status_code == 400 and error_code(r) == "invalid_username", bad
    r = iris.api("POST", "/api/v1/register", reg_body(password="short"))
    assert r.status_code == 400 and error_code(r) == "weak_password"


# Bad input: unknown fields, wrong types, missing fields, broken JSON.
def test_strict_json(iris):
    r = iris.api("POST", "/api/v1/register", reg_body(admin=True))
    assert r.status_code == 400 and error_code(r) == "unknown_field"
    assert "admin" in r.json()["error"]["message"]
    r = iris.api("POST", "/api/v1/register", reg_body(username=12345))
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    r = iris.api("POST", "/api/v1/register", reg_body(first_name=None))
    assert r.status_code == 400 and error_code(r) == "invalid_field"
    body = reg_body()
    del body["last_name"]
    r = iris.api("POST", "/api/v1/register", body)
    assert r.status_code == 400 and error_code(r) == "missing_field"
    for raw in [b"{", b"[]", b"", b'{"username":"a","username":"b"}', b"\xff\xfe"]:
        r = iris.api("POST", "/api/v1/register", raw=raw,
                     headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and error_code(r) == "invalid_json", raw
    r = iris.api("POST", "/api/v1/auth/login", raw=b"username=a",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415


# P-SEC-1: the password is never stored (neither in the database nor its WAL).
# P-SEC-2: e-mail and names are not in the database in clear.
def test_nothing_in_clear(iris):
    password = "CanaryPassword-" + uuid.uuid4().hex
    body = reg_body(password=password, first_name="Canaryfirst" + uuid.uuid4().hex[:6],
                    last_name="Canarylast" + uuid.uuid4().hex[:6])
    assert iris.api("POST", "/api/v1/register", body).status_code == 202
    iris.mails.wait_for(body["email"])
    data = iris.db_bytes()
    assert password.encode() not in data
    assert body["email"].encode() not in data
    assert body["first_name"].encode() not in data
    assert body["last_name"].encode() not in data


# P-SEC-7: ids are random UUIDv4.
def test_ids_are_uuid4(iris):
    r = iris.api("POST", "/api/v1/register", reg_body())
    assert UUID4.match(r.json()["id"])
    op = operator_token(iris)
    r = iris.api("GET", "/api/v1/tenants", token=op)
    assert r.status_code == 200
    for t in r.json()["tenants"]:
        assert UUID4.match(t["id"])
    r = iris.api("GET", "/api/v1/me", token=op)
    assert UUID4.match(r.json()["id"])
