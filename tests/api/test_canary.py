"""The canary test of issue 4 ("Tests"): unique values planted in every
catalogued personal field of a user reachable through the API and in the
XMPP messages they send and receive; a backup is taken BEFORE the erasure;
after it, no canary is left in any file under the data directory (database,
WAL after a checkpoint, key files), in irisd's log, or in a restore of the
earlier backup with the erasure replayed. Positive controls show the scan
finds values that are in clear: the username before the erasure, and in a
restore of the same backup without replay.

Not planted (no personal field of this user behind them): contact-book
entries (the tenant's address book is about the contacts, not about the
user: catalogued with subject NULL) and agreements."""
import importlib.util
import os
import sqlite3
import subprocess
import time
import uuid

from conftest import IRISCTL
from test_accounts_lib import full_token, make_tenant, unique, _tokens

HERE = os.path.dirname(os.path.abspath(__file__))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR"


def _proto():
    """tests/proto/conftest.py (XMPP-enabled server, slixmpp client helpers)."""
    spec = importlib.util.spec_from_file_location(
        "proto_conftest_canary", os.path.join(os.path.dirname(HERE), "proto", "conftest.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def checkpoint(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "iris.db"), timeout=30)
    try:
        for _ in range(50):
            busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.2)
        raise AssertionError("WAL checkpoint stayed busy")
    finally:
        db.close()


def tree_bytes(*paths):
    """Every byte of every file under the given directories (and files)."""
    out = []
    for p in paths:
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out.append(f.read())
            continue
        for root, _, files in os.walk(p):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    out.append(f.read())
    return b"\0".join(out)


def found(blob, values):
    return [v for v in values if (v.encode() if isinstance(v, str) else v) in blob]


def restore(iris, backup, target, *extra):
    return subprocess.run(
        [IRISCTL, "--config", iris.config_path, "restore", backup, "--data", target,
         "--key", os.path.join(iris.data_dir, "master.key")] + list(extra),
        capture_output=True, text=True, timeout=120)


# P-DSR-3 P-ACC-4 P-AVL-1 P-SEC-2
def test_canaries_gone_everywhere_after_erasure(mail_sink, tmp_path):
    proto = _proto()
    iris = proto.start(str(tmp_path / "data"), mail_sink)
    try:
        _canary_run(iris, proto, tmp_path)
    finally:
        if iris.proc.poll() is None:
            proto.api.stop_irisd(iris.proc)


def _canary_run(iris, proto, tmp_path):
    c = uuid.uuid4().hex[:12]
    tid, admin = make_tenant(iris)
    username = unique("canuser")
    password = "pw-" + uuid.uuid4().hex
    fields = {
        "first_name": "CanFirst" + c, "last_name": "CanLast" + c, "title": "CanTitle" + c,
        "nickname": "CanNick" + c, "job_title": "CanJob" + c, "department": "CanDept" + c,
        "phone_numbers": ["+4930%08d" % (uuid.uuid4().int % 10**8)],
        "other_emails": ["canother%s@example.org" % c],
        "postal_address": "CanStreet %s\nCanTown" % c, "company": "CanCorp" + c,
    }
    email = "canmail%s@example.org" % c
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": username, "password": password, "email": username + "@example.org",
        "first_name": "Pre" + c, "last_name": "Pre" + c}, token=admin)
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    token = full_token(iris, username, password)
    password = _tokens.get((iris.data_dir, username), password)
    # profile fields, names (directory-indexed), e-mail, avatar bytes
    r = iris.api("PATCH", "/api/v1/me/profile", fields, token=token)
    assert r.status_code == 200, r.text
    r = iris.api("PATCH", "/api/v1/me", {"email": email}, token=token)
    assert r.status_code == 200 and r.json()["email"] == email, r.text
    avatar = PNG + b"CANPNG" + c.encode() + os.urandom(16).hex().encode()
    r = iris.api("PUT", "/api/v1/me/avatar", raw=avatar, token=token,
                 headers={"Content-Type": "image/png"})
    assert r.status_code in (200, 204), r.text
    # free texts of the privacy centre: an objection's reason, a request
    reason = "CanReason" + c
    message = "CanRequest" + c
    assert iris.api("POST", "/api/v1/me/objections", {"purpose": "statistics", "reason": reason},
                    token=token).status_code == 201
    r = iris.api("POST", "/api/v1/privacy-requests", {"kind": "access", "message": message},
                 token=token)
    assert r.status_code == 201, r.text
    # the planted values are held (the access report opens them)
    report = iris.api("GET", "/api/v1/me/data-report", token=token).text
    for v in (fields["company"], fields["phone_numbers"][0], email, reason):
        assert v in report, v
    # the directory indexes the names: a colleague finds the user by them
    peer_jid, peer_pw = iris.member(tid, admin, prefix="canpeer")
    peer_token = full_token(iris, peer_jid.split("@")[0], peer_pw)
    r = iris.api("GET", "/api/v1/directory?q=" + fields["last_name"], token=peer_token)
    assert r.status_code == 200 and username in r.text, r.text

    # XMPP chat: one message sent by the user, one received (the second
    # while offline, so it passes the offline store too)
    jid = "%s@%s" % (username, iris.domain)
    sent, received, offline = "CanSent" + c, "CanRecv" + c, "CanOffline" + c

    async def chat():
        cu = await proto.connect(iris, jid, password)
        cp = await proto.connect(iris, peer_jid, peer_pw)
        cu.send_message(mto=peer_jid, mbody=sent, mtype="chat")
        cp.send_message(mto=jid, mbody=received, mtype="chat")
        assert await proto.until(lambda: sent in cp.bodies() and received in cu.bodies())
        await proto.close(cu)
        await proto.until(lambda: False, timeout=0.5)
        cp.send_message(mto=jid, mbody=offline, mtype="chat")
        await proto.server_ack(cp)
        await proto.close(cp)
    proto.run(chat())

    canaries = list(fields[k] for k in fields if isinstance(fields[k], str))
    canaries += fields["phone_numbers"] + fields["other_emails"]
    canaries += [email, reason, message, sent, received, offline, avatar[8:], "Pre" + c]
    # Sealed values never appear in clear, even now; the username does: the
    # positive control that the scan sees clear values.
    checkpoint(iris.data_dir)
    before = tree_bytes(iris.data_dir)
    assert username.encode() in before
    assert found(before, canaries) == [], "in clear before erasure"

    backup = str(tmp_path / "before-erasure.backup")
    r = iris.ctl("backup", backup)
    assert r.returncode == 0, r.stderr
    assert found(tree_bytes(backup), canaries + [username]) == []  # encrypted

    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, uid), token=admin)
    assert r.status_code in (200, 204), r.text
    assert iris.api("GET", "/api/v1/me", token=token).status_code == 401

    # the live data directory and irisd's log. (The account id itself is
    # no canary: the audit log keeps it under a legal duty, the erasure
    # ledger needs it for replays, and the peer's sealed copy of the
    # conversation names it.)
    checkpoint(iris.data_dir)
    assert os.path.getsize(iris.data_dir + ".log") > 0
    after = tree_bytes(iris.data_dir, iris.data_dir + ".log")
    left = found(after, canaries + [username])
    assert left == [], left

    # the backup taken before the erasure, restored with the erasure replayed
    replayed = str(tmp_path / "restored")
    r = restore(iris, backup, replayed, "--replay-from", iris.data_dir)
    assert r.returncode == 0, r.stdout + r.stderr
    checkpoint(replayed)
    left = found(tree_bytes(replayed), canaries + [username])
    assert left == [], left
    # control: the same backup restored without replay still holds the user
    plain = str(tmp_path / "restored-plain")
    r = restore(iris, backup, plain, "--no-replay")
    assert r.returncode == 0, r.stdout + r.stderr
    checkpoint(plain)
    assert username.encode() in tree_bytes(plain)
