"""Profile fields and avatar (REST, live irisd)."""
import uuid

from test_accounts_lib import add_member, error_code, make_tenant, register

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"CANARYPNG" * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"CANARYJPG" * 4


# P-PRO-1, P-DSR-2: each optional field is set, corrected and removed by the user.
def test_profile_set_correct_remove(iris):
    _, _, _, token = register(iris, "prof")
    r = iris.api("GET", "/api/v1/me/profile", token=token)
    assert r.status_code == 200
    assert r.json()["first_name"] == "Test" and r.json()["title"] is None
    fields = {"title": "Dr.", "nickname": "Doc", "job_title": "Surgeon", "department": "ER",
              "phone_numbers": ["+49 30 123456", "+1 555 0100"],
              "other_emails": ["doc@work.example"], "postal_address": "1 Main St\nTown",
              "company": "General Hospital"}
    r = iris.api("PATCH", "/api/v1/me/profile", fields, token=token)
    assert r.status_code == 200, r.text
    for k, v in fields.items():
        assert r.json()[k] == v
    r = iris.api("PATCH", "/api/v1/me/profile", {"title": "Prof.", "last_name": "Corrected"},
                 token=token)
    assert r.json()["title"] == "Prof." and r.json()["last_name"] == "Corrected"
    assert r.json()["nickname"] == "Doc"
    r = iris.api("PATCH", "/api/v1/me/profile", {"nickname": None, "phone_numbers": None},
                 token=token)
    assert r.json()["nickname"] is None and r.json()["phone_numbers"] is None
    r = iris.api("GET", "/api/v1/me/profile", token=token)
    assert r.json()["nickname"] is None and r.json()["title"] == "Prof."


# Bad input on the profile: unknown field, wrong type, invalid e-mail, required name.
def test_profile_bad_input(iris):
    _, _, _, token = register(iris, "profbad")
    cases = [({"shoe_size": 42}, "unknown_field"), ({"title": 1}, "invalid_field"),
             ({"phone_numbers": "123"}, "invalid_field"),
             ({"other_emails": ["not-mail"]}, "invalid_email"),
             ({"first_name": None}, "invalid_field"), ({"title": "x" * 65}, "invalid_field")]
    for body, code in cases:
        r = iris.api("PATCH", "/api/v1/me/profile", body, token=token)
        assert r.status_code == 400 and error_code(r) == code, (body, r.text)
    r = iris.api("PATCH", "/api/v1/me/profile", raw=b"[1]", token=token,
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_code(r) == "invalid_json"


# P-SEC-2: profile values are not in the database file (or its WAL) in clear.
def test_profile_sealed_at_rest(iris):
    _, _, _, token = register(iris, "canary")
    canaries = {"nickname": "NickCanary" + uuid.uuid4().hex[:8],
                "phone_numbers": ["+4915112345%03d" % (uuid.uuid4().int % 1000)],
                "postal_address": "CanaryStreet " + uuid.uuid4().hex[:8],
                "company": "CanaryCorp" + uuid.uuid4().hex[:8]}
    r = iris.api("PATCH", "/api/v1/me/profile", canaries, token=token)
    assert r.status_code == 200
    data = iris.db_bytes()
    for v in [canaries["nickname"], canaries["phone_numbers"][0], canaries["postal_address"],
              canaries["company"]]:
        assert v.encode() not in data, v


# P-PRO-1: avatar upload with type and size checks; sealed; removable.
def test_avatar(iris):
    _, _, _, token = register(iris, "avatar")
    r = iris.api("GET", "/api/v1/me/avatar", token=token)
    assert r.status_code == 404
    r = iris.api("PUT", "/api/v1/me/avatar", raw=PNG, token=token,
                 headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 415 and error_code(r) == "unsupported_media_type"
    r = iris.api("PUT", "/api/v1/me/avatar", raw=b"GIF89a....", token=token,
                 headers={"Content-Type": "image/gif"})
    assert r.status_code == 415
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 1)
    r = iris.api("PUT", "/api/v1/me/avatar", raw=big, token=token,
                 headers={"Content-Type": "image/png"})
    assert r.status_code == 413
    r = iris.api("PUT", "/api/v1/me/avatar", raw=JPEG, token=token,
                 headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 204
    r = iris.api("GET", "/api/v1/me/avatar", token=token)
    assert r.status_code == 200 and r.content == JPEG
    assert r.headers["content-type"].startswith("image/jpeg")
    assert b"CANARYJPG" not in iris.db_bytes()
    assert iris.api("GET", "/api/v1/me/profile", token=token).json()["avatar"] == {
        "content_type": "image/jpeg"}
    assert iris.api("DELETE", "/api/v1/me/avatar", token=token).status_code == 204
    assert iris.api("GET", "/api/v1/me/avatar", token=token).status_code == 404


# P-DSR-2, P-INS-1: the tenant admin corrects a member's profile.
def test_admin_rectifies_member_profile(iris):
    tid, admin = make_tenant(iris)
    mid, _, member = add_member(iris, tid, admin)
    path = "/api/v1/tenants/%s/members/%s/profile" % (tid, mid)
    r = iris.api("PATCH", path, {"job_title": "Engineer"}, token=admin)
    assert r.status_code == 200 and r.json()["job_title"] == "Engineer"
    r = iris.api("GET", "/api/v1/me/profile", token=member)
    assert r.json()["job_title"] == "Engineer"
    # A member cannot do the same to a colleague.
    other, _, _ = add_member(iris, tid, admin)
    r = iris.api("PATCH", "/api/v1/tenants/%s/members/%s/profile" % (tid, other),
                 {"job_title": "X"}, token=member)
    assert r.status_code == 403


# Issue 10 item 4: a profile change is written by the store's one writer
# thread, in the group commit that XMPP's storage jobs share (its batches are
# counted in xmpp_commit_batches_total), and answered after the commit.
def test_profile_patch_goes_through_the_writer(iris):
    import re

    def batches():
        m = re.search(r"^xmpp_commit_batches_total (\d+)$", iris.api("GET", "/metrics").text,
                      re.M)
        return int(m.group(1)) if m else 0
    _, _, _, token = register(iris, "profwr")
    before = batches()
    r = iris.api("PATCH", "/api/v1/me/profile", {"nickname": "Writer"}, token=token)
    assert r.status_code == 200, r.text
    assert r.json()["nickname"] == "Writer"
    assert batches() > before
    r = iris.api("PATCH", "/api/v1/me/profile", {}, token=token)  # nothing to write
    assert r.status_code == 200 and r.json()["nickname"] == "Writer"
