"""Wiring between privacy modules done at the composition root
(src/cmd/modules.c and the module descriptors): legal hold guards erasure, erasure reaches the
backups' ledger."""
import sqlite3
import os

from test_accounts_lib import add_member, error_code, make_tenant


# P-RET-2: a legal hold on a member suspends their deletion until lifted.
def test_legal_hold_suspends_account_deletion(iris):
    tid, admin = make_tenant(iris)
    uid, username, _ = add_member(iris, tid, admin)
    r = iris.api("POST", "/api/v1/tenants/%s/legal-holds" % tid,
                 {"subject_type": "user", "subject_id": uid}, token=admin)
    assert r.status_code == 201, r.text
    hold_id = r.json()["id"]
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, uid), token=admin)
    assert r.status_code == 409, r.text
    assert "legal hold" in r.json()["error"]["message"]
    assert iris.api("GET", "/api/v1/tenants/%s/members/%s" % (tid, uid),
                    token=admin).status_code == 200
    r = iris.api("DELETE", "/api/v1/tenants/%s/legal-holds/%s" % (tid, hold_id), token=admin)
    assert r.status_code in (200, 204), r.text
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, uid), token=admin)
    assert r.status_code in (200, 204), r.text
    assert iris.api("GET", "/api/v1/tenants/%s/members/%s" % (tid, uid),
                    token=admin).status_code == 404


# P-AVL-1: every erasure is written to the erasure ledger that restore replays.
def test_erasure_reaches_backup_ledger(iris):
    tid, admin = make_tenant(iris)
    uid, _, _ = add_member(iris, tid, admin)
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, uid), token=admin)
    assert r.status_code in (200, 204), r.text
    db = sqlite3.connect(os.path.join(iris.data_dir, "iris.db"))
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type='table'")]
    ledger = [t for t in tables if "ledger" in t]
    assert ledger, tables
    rows = db.execute("SELECT COUNT(*) FROM %s WHERE subject_id = ?" % ledger[0],
                      (uid,)).fetchone()[0]
    db.close()
    assert rows == 1


def test_bench_accounts_are_usable_at_once(iris):
    """irisctl bench-accounts (used by bench/xmpp) makes active accounts with
    the given password; a second run keeps the existing ones."""
    import subprocess
    from conftest import IRISCTL
    args = [IRISCTL, "--data", iris.data_dir, "--config", iris.config_path,
            "bench-accounts", "bw", "3", "localhost"]
    for _ in range(2):
        r = subprocess.run(args, input="bench-password-1\n", capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr
    for i in range(3):
        assert iris.login("bw%d" % i, "bench-password-1")
    r = subprocess.run(args[:-3] + ["bw", "0", "localhost"], input="bench-password-1\n",
                       capture_output=True, text=True)
    assert r.returncode == 2
