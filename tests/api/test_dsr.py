"""Data-subject rights (issue 4 items 1-6): access report, export and
import, rectification, erasure with deletion log, restriction, consent and
objection, requests forwarded to the tenant admin. Live irisd."""
import io
import json
import os
import sqlite3
import tarfile
import time
import uuid


import test_accounts_lib as lib
from test_accounts_lib import add_member, error_code, make_tenant, unique

DAY = 86400

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR"


_passwords = {}


def member(iris, tid, admin_token, prefix="dsr"):
    """(id, username, token) of a new member; password_of() knows its password."""
    username = unique(prefix)
    password = "pw-" + uuid.uuid4().hex
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": username, "password": password, "email": username + "@example.org",
        "first_name": "Mem", "last_name": "Ber"}, token=admin_token)
    assert r.status_code == 201, r.text
    token = lib.full_token(iris, username, password)
    _passwords[username] = lib._tokens.get((iris.data_dir, username), password)
    return r.json()["id"], username, token


def password_of(iris, username):
    return _passwords[username]


def canaries():
    c = uuid.uuid4().hex[:10]
    return {
        "first_name": "CanFirst" + c, "last_name": "CanLast" + c, "title": "CanTitle" + c,
        "nickname": "CanNick<script>" + c, "job_title": "CanJob" + c,
        "department": "CanDept" + c, "phone_numbers": ["+4930%s" % (uuid.uuid4().int % 10**8)],
        "other_emails": ["canother%s@example.org" % c],
        "postal_address": "CanStreet " + c + "\nCanTown", "company": "CanCorp" + c,
    }


def plant(iris, token, fields):
    r = iris.api("PATCH", "/api/v1/me/profile", fields, token=token)
    assert r.status_code == 200, r.text
    avatar = PNG + b"CANPNG" + uuid.uuid4().hex.encode()
    r = iris.api("PUT", "/api/v1/me/avatar", raw=avatar, token=token,
                 headers={"Content-Type": "image/png"})
    assert r.status_code in (200, 204), r.text
    return avatar


def categories(report):
    return {c["category"]: c["items"] for c in report["categories"]}


# P-DSR-1: the report lists every category held with purpose, basis and
# retention, for the user (JSON and escaped HTML) and their admin; another
# tenant's admin gets 404 and an auditor 403.
def test_access_report(iris):
    tid, admin = make_tenant(iris)
    uid, username, token = member(iris, tid, admin)
    fields = canaries()
    plant(iris, token, fields)
    r = iris.api("GET", "/api/v1/me/data-report", token=token)
    assert r.status_code == 200, r.text
    cats = categories(r.json())
    for cat in ["dpv-pd:Username", "dpv-pd:EmailAddress", "dpv-pd:FirstName", "dpv-pd:LastName",
                "dpv-pd:Title", "dpv-pd:Nickname", "dpv-pd:JobTitle", "dpv-pd:Job",
                "dpv-pd:TelephoneNumber", "dpv-pd:PostalAddress", "dpv-pd:Employer",
                "dpv-pd:Picture", "dpv-pd:Password", "dpv-pd:LoginRecord", "dpv-pd:IPAddress"]:
        assert cat in cats, cat
        for item in cats[cat]:
            assert item["purpose"] and item["legal_basis"] and item["retention"], item
    text = json.dumps(r.json())
    for k in ("first_name", "company", "postal_address"):
        assert json.dumps(fields[k])[1:-1] in text
    assert fields["phone_numbers"][0] in text
    assert username in text
    r = iris.api("GET", "/api/v1/me/data-report?format=html", token=token)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "CanNick&lt;script&gt;" in r.text and "<script>" not in r.text
    assert fields["company"] in r.text
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s/data-report" % (tid, uid), token=admin)
    assert r.status_code == 200 and fields["company"] in r.text
    other_tid, other_admin = make_tenant(iris)
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s/data-report" % (tid, uid),
                 token=other_admin)
    assert r.status_code == 404
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s/data-report" % (other_tid, uid),
                 token=other_admin)
    assert r.status_code == 404
    _, _, auditor = add_member(iris, tid, admin, role="auditor", prefix="aud")
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s/data-report" % (tid, uid), token=auditor)
    assert r.status_code == 403
    r = iris.api("GET", "/api/v1/me/data-report?format=pdf", token=token)
    assert r.status_code == 400


# P-DSR-2: every personal field is corrected by the user and by the admin;
# each correction is audited with field names only.
def test_rectification_audited(iris):
    tid, admin = make_tenant(iris)
    uid, username, token = member(iris, tid, admin)
    first = canaries()
    plant(iris, token, first)
    second = canaries()
    r = iris.api("PATCH", "/api/v1/me/profile", second, token=token)
    assert r.status_code == 200 and all(r.json()[k] == v for k, v in second.items())
    new_mail = "corrected-%s@example.org" % uuid.uuid4().hex[:8]
    r = iris.api("PATCH", "/api/v1/me", {"email": new_mail}, token=token)
    assert r.status_code == 200 and r.json()["email"] == new_mail, r.text
    r = iris.api("PATCH", "/api/v1/me", {"email": "nope"}, token=token)
    assert r.status_code == 400 and error_code(r) == "invalid_email"
    third = canaries()
    r = iris.api("PATCH", "/api/v1/tenants/%s/members/%s/profile" % (tid, uid), third,
                 token=admin)
    assert r.status_code == 200 and all(r.json()[k] == v for k, v in third.items()), r.text
    admin_mail = "admin-fixed-%s@example.org" % uuid.uuid4().hex[:8]
    r = iris.api("PATCH", "/api/v1/tenants/%s/members/%s" % (tid, uid), {"email": admin_mail},
                 token=admin)
    assert r.status_code == 200 and r.json()["email"] == admin_mail
    out = iris.ctl("audit", "export", "--tenant", tid)
    assert out.returncode == 0, out.stderr
    entries = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    mine = [e for e in entries if e.get("target_id") == uid]
    updates = [e for e in mine if e["action"] == "profile.update"]
    assert len(updates) >= 3
    assert any(e["actor_id"] != uid and e["instruction"] for e in updates)
    names = set()
    for e in updates:
        names.update(e["fields"].split(","))
    assert set(third) <= names
    assert any(e["action"] == "account.update" and "email" in e["fields"] for e in mine)
    for values in (first, second, third):
        for v in values.values():
            for s in (v if isinstance(v, list) else [v]):
                assert s not in out.stdout
    assert new_mail not in out.stdout and admin_mail not in out.stdout


def checkpoint(iris):
    db = sqlite3.connect(os.path.join(iris.data_dir, "iris.db"), timeout=30)
    for _ in range(20):
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            break
        time.sleep(0.2)
    db.close()


def all_files_bytes(directory):
    out = b""
    for root, _, files in os.walk(directory):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out += f.read()
    return out


# P-DSR-3, P-ACC-4: after erasure no canary is left anywhere in the data
# directory (database and WAL after a checkpoint), the subject key is gone,
# and the deletion log holds categories and counts, never values.
def test_erasure_canary_and_deletion_log(fresh_iris):
    iris = fresh_iris
    tid, admin = make_tenant(iris)
    uid, username, token = member(iris, tid, admin, prefix="canary")
    fields = canaries()
    avatar = plant(iris, token, fields)
    reason = "CanReason" + uuid.uuid4().hex
    msg = "CanMessage" + uuid.uuid4().hex
    assert iris.api("POST", "/api/v1/me/objections", {"purpose": "statistics", "reason": reason},
                    token=token).status_code == 201
    assert iris.api("POST", "/api/v1/me/consents", {"purpose": "marketing_email", "given": True},
                    token=token).status_code == 200
    r = iris.api("POST", "/api/v1/privacy-requests", {"kind": "erasure", "message": msg},
                 token=token)
    assert r.status_code == 201
    rid = r.json()["id"]
    checkpoint(iris)
    assert username.encode() in all_files_bytes(iris.data_dir)  # the scan sees clear values
    r = iris.api("POST", "/api/v1/me/deletion-request", token=token)
    assert r.status_code == 202
    del_rid = r.json()["id"]
    r = iris.api("PATCH", "/api/v1/tenants/%s/deletion-requests/%s" % (tid, del_rid),
                 {"status": "done"}, token=admin)
    assert r.status_code in (200, 204), r.text
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, uid), token=admin)
    assert r.status_code == 404  # double erasure: nothing left
    checkpoint(iris)
    data = all_files_bytes(iris.data_dir)
    planted = [username, reason, msg, avatar[8:]]
    for v in fields.values():
        planted += v if isinstance(v, list) else [v]
    for v in planted:
        b = v.encode() if isinstance(v, str) else v
        assert b not in data, v
    db = sqlite3.connect(os.path.join(iris.data_dir, "iris.db"))
    assert db.execute("SELECT COUNT(*) FROM subject_keys WHERE subject_id = ?",
                      (uid,)).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM accounts WHERE id = ?", (uid,)).fetchone()[0] == 0
    db.close()
    r = iris.api("GET", "/api/v1/tenants/%s/deletion-log" % tid, token=admin)
    assert r.status_code == 200, r.text
    entries = r.json()["entries"]
    assert len(entries) == 1
    e = entries[0]
    assert e["request_id"] == del_rid and e["instructed_role"] == "tenant_admin"
    assert e["erased_at"] > 0 and e["items"] > 10
    erased = e["categories"]["erased"]
    for cat in ("dpv-pd:FirstName", "dpv-pd:Picture", "dpv-pd:Username", "dpv-pd:Password",
                "dpv-pd:Opinion"):
        assert erased.get(cat, 0) >= 1, (cat, erased)
    assert erased["dpv-pd:TelephoneNumber"] == 1
    text = json.dumps(entries)
    assert uid not in text and username not in text
    for v in planted:
        if isinstance(v, str):
            assert v not in text
    # the request record stays for accountability, without the subject
    r = iris.api("GET", "/api/v1/tenants/%s/privacy-requests" % tid, token=admin)
    req = [x for x in r.json()["requests"] if x["id"] == rid][0]
    assert req["account_id"] is None and req["message"] is None
    out = iris.ctl("dsr", "deletion-log", "--tenant", tid)
    assert out.returncode == 0 and json.loads(out.stdout)[0]["id"] == e["id"]
    other_tid, other_admin = make_tenant(iris)
    assert iris.api("GET", "/api/v1/tenants/%s/deletion-log" % tid,
                    token=other_admin).status_code == 404


# P-DSR-4: restriction keeps the data but refuses login with a clear message;
# it must be confirmed; lifting (by the holder or the admin) restores access.
def test_restriction(iris):
    tid, admin = make_tenant(iris)
    uid, username, token = member(iris, tid, admin)
    password = password_of(iris, username)
    r = iris.api("POST", "/api/v1/me/restriction", {}, token=token)
    assert r.status_code == 409 and error_code(r) == "restriction_unconfirmed"
    assert "suspends the service" in r.json()["error"]["message"]
    r = iris.api("POST", "/api/v1/me/restriction", {"confirm": True}, token=token)
    assert r.status_code == 200 and r.json()["restricted"] is True
    assert iris.api("GET", "/api/v1/me", token=token).status_code == 401
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert r.status_code == 403 and error_code(r) == "account_restricted"
    assert "suspends the service" in r.json()["error"]["message"]
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s" % (tid, uid), token=admin)
    assert r.status_code == 200 and r.json()["first_name"] == "Mem"  # data kept
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s/restriction" % (tid, uid), token=admin)
    assert r.json()["restricted"] is True
    r = iris.api("POST", "/api/v1/restriction/lift", {"username": username, "password": "wrong"})
    assert r.status_code == 401
    r = iris.api("POST", "/api/v1/restriction/lift", {"username": username, "password": password})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert iris.api("GET", "/api/v1/me", token=token).status_code == 200
    # the admin restricts (an instruction) and lifts
    r = iris.api("PUT", "/api/v1/tenants/%s/members/%s/restriction" % (tid, uid),
                 {"confirm": True}, token=admin)
    assert r.status_code == 200
    r = iris.api("POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert error_code(r) == "account_restricted"
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s/restriction" % (tid, uid), token=admin)
    assert r.status_code == 200 and r.json()["restricted"] is False
    assert iris.login(username, password)
    out = iris.ctl("audit", "export", "--tenant", tid)
    acts = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
    acts = [(a["action"], a["instruction"]) for a in acts if a.get("target_id") == uid]
    assert ("dsr.restrict", False) in acts and ("dsr.restrict", True) in acts
    assert ("dsr.restriction_lift", True) in acts


# P-DSR-5: the export archive holds every catalogued personal field, the
# manifest carries DPV categories, and importing it into a second live
# server reproduces the profile.
def test_export_and_import_round_trip(iris, fresh_iris):
    tid, admin = make_tenant(iris)
    uid, username, token = member(iris, tid, admin)
    fields = canaries()
    avatar = plant(iris, token, fields)
    r = iris.api("GET", "/api/v1/me/export", token=token)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-tar"
    tar = tarfile.open(fileobj=io.BytesIO(r.content))
    names = tar.getnames()
    manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == "iris-export" and manifest["subject"]["id"] == uid
    by_path = {e["path"]: e for e in manifest["entries"]}
    assert set(by_path) <= set(names)
    prof = json.load(tar.extractfile("data/account_profiles.json"))[0]
    for k, v in fields.items():
        assert prof[k] == v, k
    assert "dpv-pd:FirstName" in by_path["data/account_profiles.json"]["categories"]
    acc = json.load(tar.extractfile("data/accounts.json"))[0]
    assert acc["username"] == username and acc["email"] == username + "@example.org"
    assert "scram_sha256" not in acc and "email_index" not in acc
    assert tar.extractfile(prof["avatar"]).read() == avatar
    assert by_path[prof["avatar"]]["categories"] == ["dpv-pd:Picture"]
    assert json.load(tar.extractfile("data/login_events.json"))
    vcf = tar.extractfile("profile.vcf").read().decode()
    assert "BEGIN:VCARD" in vcf and fields["last_name"] in vcf and fields["company"] in vcf
    assert fields["phone_numbers"][0] in vcf
    # import into another Iris
    other = fresh_iris
    otid, oadmin = make_tenant(other)
    r = other.api("POST", "/api/v1/tenants/%s/import" % otid, raw=r.content, token=oadmin,
                  headers={"Content-Type": "application/x-tar"})
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["username"] == username and new["one_time_password"]
    ntoken = lib.full_token(other, username, new["one_time_password"])
    r = other.api("GET", "/api/v1/me/profile", token=ntoken)
    for k, v in fields.items():
        assert r.json()[k] == v, k
    assert other.api("GET", "/api/v1/me/avatar", token=ntoken).content == avatar
    r = other.api("GET", "/api/v1/me", token=ntoken)
    assert r.json()["email"] == username + "@example.org"
    # bad archives: no partial state
    r = other.api("POST", "/api/v1/tenants/%s/import?username=%s" % (otid, unique("x")),
                  raw=b"not a tar" * 100, token=oadmin)
    assert r.status_code == 400 and error_code(r) == "invalid_archive"
    r = iris.api("GET", "/api/v1/tenants/%s/members/%s/export" % (tid, uid), token=admin)
    assert r.status_code == 200


# P-DSR-6: consent given and withdrawn with effect at once; objections recorded.
def test_consent_and_objection(iris):
    tid, admin = make_tenant(iris)
    uid, username, token = member(iris, tid, admin)
    r = iris.api("GET", "/api/v1/me/consents", token=token)
    assert r.json()["current"]["marketing_email"] is False
    r = iris.api("POST", "/api/v1/me/consents", {"purpose": "marketing_email", "given": True},
                 token=token)
    assert r.status_code == 200 and r.json()["current"] is True
    r = iris.api("POST", "/api/v1/me/consents", {"purpose": "marketing_email", "given": False},
                 token=token)
    assert r.json()["current"] is False
    recs = iris.api("GET", "/api/v1/me/consents", token=token).json()["records"]
    assert recs[0]["withdrawn_at"] is not None and recs[0]["given_at"] > 0
    r = iris.api("POST", "/api/v1/me/consents", {"purpose": "spam", "given": True}, token=token)
    assert r.status_code == 400
    iris.api("POST", "/api/v1/me/consents", {"purpose": "marketing_email", "given": True},
             token=token)
    r = iris.api("POST", "/api/v1/me/objections",
                 {"purpose": "marketing", "reason": "no newsletters"}, token=token)
    assert r.status_code == 201
    r = iris.api("GET", "/api/v1/me/objections", token=token)
    assert r.json()["objections"][0]["purpose"] == "marketing"
    assert r.json()["objections"][0]["reason"] == "no newsletters"
    # Art. 21(3): objecting to marketing ends the consent
    assert iris.api("GET", "/api/v1/me/consents",
                    token=token).json()["current"]["marketing_email"] is False
    r = iris.api("POST", "/api/v1/me/objections", {"purpose": "Bad Purpose!"}, token=token)
    assert r.status_code == 400


# P-DSR-7: a request is forwarded to the admin queue with a due date one
# month ahead, tracked to answered; Iris itself does not answer it.
def test_privacy_request_forwarded(iris):
    tid, admin = make_tenant(iris)
    admin_me = iris.api("GET", "/api/v1/me", token=admin).json()
    uid, username, token = member(iris, tid, admin)
    before = len(iris.mails.all_for(username + "@example.org"))
    r = iris.api("POST", "/api/v1/privacy-requests",
                 {"kind": "access", "message": "What do you hold?"}, token=token)
    assert r.status_code == 201, r.text
    rid, due = r.json()["id"], r.json()["due_at"]
    assert r.json()["status"] == "forwarded"
    assert 28 * 86400 <= due - time.time() <= 31 * 86400 + 60
    msg = iris.mails.wait_for(admin_me["email"])
    assert "What do you hold?" not in msg.get_content()
    r = iris.api("GET", "/api/v1/tenants/%s/privacy-requests" % tid, token=admin)
    q = [x for x in r.json()["requests"] if x["id"] == rid][0]
    assert q["status"] == "forwarded" and q["forwarded_at"] and q["answer"] is None
    assert q["message"] == "What do you hold?" and q["overdue"] is False
    time.sleep(0.5)
    mine = iris.api("GET", "/api/v1/me/privacy-requests", token=token).json()["requests"]
    assert mine[0]["status"] == "forwarded" and mine[0]["answer"] is None
    assert len(iris.mails.all_for(username + "@example.org")) == before  # no answer from Iris
    _, _, auditor = add_member(iris, tid, admin, role="auditor", prefix="aud")
    assert iris.api("GET", "/api/v1/tenants/%s/privacy-requests" % tid,
                    token=auditor).status_code == 200
    path = "/api/v1/tenants/%s/privacy-requests/%s/answer" % (tid, rid)
    assert iris.api("POST", path, {"answer": "x"}, token=auditor).status_code == 403
    other_tid, other_admin = make_tenant(iris)
    assert iris.api("POST", path, {"answer": "x"}, token=other_admin).status_code == 404
    r = iris.api("POST", path, {"answer": "See your data report."}, token=admin)
    assert r.status_code == 200, r.text
    assert iris.api("POST", path, {"answer": "again"}, token=admin).status_code == 409
    mine = iris.api("GET", "/api/v1/me/privacy-requests", token=token).json()["requests"]
    assert mine[0]["status"] == "answered" and mine[0]["answer"] == "See your data report."
    r = iris.api("POST", "/api/v1/privacy-requests", {"kind": "gossip"}, token=token)
    assert r.status_code == 400




# P-DSR-7: requests of freemium users (the operator is the controller) land
# in the operator's queue (REST and irisctl) with a due date one month ahead
# by the privacy clock, turn overdue when it passes, and the operator answers
# them; members' deletion requests carry due dates too.
def test_operator_queue_and_due_dates(clock_iris):
    iris = clock_iris
    op = lib.operator_token(iris)
    _, _, _, token = lib.register(iris, prefix="free")
    r = iris.api("POST", "/api/v1/privacy-requests",
                 {"kind": "access", "message": "What do you hold about me?"}, token=token)
    assert r.status_code == 201, r.text
    rid, due = r.json()["id"], r.json()["due_at"]
    assert r.json()["status"] == "received" and "operator" in r.json()["handled_by"]
    tid, admin = make_tenant(iris)
    _, _, mtoken = member(iris, tid, admin)
    r = iris.api("POST", "/api/v1/privacy-requests", {"kind": "erasure"}, token=mtoken)
    tenant_rid = r.json()["id"]
    del_rid = iris.api("POST", "/api/v1/me/deletion-request", token=mtoken).json()["id"]
    # Only the operator sees the queue, and only requests without a tenant.
    assert iris.api("GET", "/api/v1/privacy-requests", token=token).status_code == 403
    assert iris.api("GET", "/api/v1/privacy-requests", token=admin).status_code == 403
    queue = iris.api("GET", "/api/v1/privacy-requests", token=op).json()["requests"]
    assert [q["id"] for q in queue] == [rid]
    assert queue[0]["due_at"] == due and queue[0]["overdue"] is False
    assert queue[0]["message"] == "What do you hold about me?"
    dels = iris.api("GET", "/api/v1/tenants/%s/deletion-requests" % tid,
                    token=admin).json()["requests"]
    d = [x for x in dels if x["id"] == del_rid][0]
    assert 28 * DAY <= d["due_at"] - d["created_at"] <= 31 * DAY and d["overdue"] is False
    out = iris.ctl("dsr", "requests")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert [q["id"] for q in listed["privacy_requests"]] == [rid]
    assert listed["privacy_requests"][0]["due_at"] == due
    out = iris.ctl("dsr", "requests", "--tenant", tid)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["deletion_requests"][0]["due_at"] == d["due_at"]
    # A month and a day later (the test clock), both are overdue.
    r = iris.api("POST", "/api/v1/test/clock", {"advance_s": 32 * DAY}, token=op)
    assert r.status_code == 200, r.text
    queue = iris.api("GET", "/api/v1/privacy-requests", token=op).json()["requests"]
    assert queue[0]["overdue"] is True
    dels = iris.api("GET", "/api/v1/tenants/%s/deletion-requests" % tid,
                    token=admin).json()["requests"]
    assert [x for x in dels if x["id"] == del_rid][0]["overdue"] is True
    # The operator answers its own queue only; the requester sees the answer.
    path = "/api/v1/privacy-requests/%s/answer"
    assert iris.api("POST", path % tenant_rid, {"answer": "no"}, token=op).status_code == 404
    assert iris.api("POST", path % rid, {"answer": "x"}, token=admin).status_code == 403
    r = iris.api("POST", path % rid, {"answer": "Your data report is attached."}, token=op)
    assert r.status_code == 200 and r.json()["status"] == "answered", r.text
    assert iris.api("POST", path % rid, {"answer": "again"}, token=op).status_code == 409
    mine = iris.api("GET", "/api/v1/me/privacy-requests", token=token).json()["requests"]
    assert mine[0]["status"] == "answered" and mine[0]["overdue"] is False
    assert mine[0]["answer"] == "Your data report is attached."
    # irisctl answers too (a second request), and refuses a tenant's request.
    rid2 = iris.api("POST", "/api/v1/privacy-requests", {"kind": "objection"},
                    token=token).json()["id"]
    out = iris.ctl("dsr", "answer", "--request", rid2, "--answer-stdin",
                   input="Objection recorded.\nWe stopped the processing.\n")
    assert out.returncode == 0 and "answered" in out.stdout, out.stderr
    out = iris.ctl("dsr", "answer", "--request", tenant_rid, "--answer-stdin", input="no\n")
    assert out.returncode == 1 and "not_found" in out.stderr
    mine = iris.api("GET", "/api/v1/me/privacy-requests", token=token).json()["requests"]
    assert [m["answer"] for m in mine if m["id"] == rid2] == [
        "Objection recorded.\nWe stopped the processing."]


# The operator's queue (P-DSR-7 for freemium users): the operators are told
# by e-mail (without the request's content) when a request arrives, and the
# answer says when nobody could be told; the operator's answer has the same
# limit as a tenant admin's; irisctl reads an answer (personal data) from
# standard input only, never from argv.
def test_operator_told_and_answer_limits(clock_iris):
    iris = clock_iris
    op = lib.operator_token(iris)
    _, _, _, token = lib.register(iris, prefix="free")
    r = iris.api("POST", "/api/v1/privacy-requests",
                 {"kind": "access", "message": "private words"}, token=token)
    assert r.status_code == 201 and r.json()["notices_queued"] == 0, r.text
    op_name = unique("op")
    op_email = op_name + "@example.org"
    out = iris.ctl("account", "create", "--tenant", "-", "--username", op_name, "--email",
                   op_email, "--role", "operator", "--password-stdin",
                   input="operator-password-1\n")
    assert out.returncode == 0, out.stderr
    r = iris.api("POST", "/api/v1/privacy-requests",
                 {"kind": "erasure", "message": "private words"}, token=token)
    assert r.status_code == 201 and r.json()["notices_queued"] == 1, r.text
    rid = r.json()["id"]
    text = iris.mails.wait_for(op_email).get_content()
    assert rid in text and "/api/v1/privacy-requests" in text
    assert "private words" not in text
    path = "/api/v1/privacy-requests/%s/answer" % rid
    r = iris.api("POST", path, {"answer": "x" * 4001}, token=op)
    assert r.status_code == 400 and r.json()["error"]["max_bytes"] == 4000, r.text
    assert r.json()["error"]["field"] == "answer"
    # irisctl: no answer in argv; an empty or too long standard input is refused.
    out = iris.ctl("dsr", "answer", "--request", rid, "--answer", "in argv")
    assert out.returncode == 2 and "--answer" in out.stderr
    out = iris.ctl("dsr", "answer", "--request", rid, "--answer-stdin", input="")
    assert out.returncode == 1 and "standard input" in out.stderr
    out = iris.ctl("dsr", "answer", "--request", rid, "--answer-stdin", input="y" * 4001)
    assert out.returncode == 1 and "4000" in out.stderr
    out = iris.ctl("dsr", "answer", "--request", rid, "--answer-stdin", input="Erased.\n")
    assert out.returncode == 0, out.stderr
    mine = iris.api("GET", "/api/v1/me/privacy-requests", token=token).json()["requests"]
    assert [m["answer"] for m in mine if m["id"] == rid] == ["Erased."]
