"""Backups (P-AVL-1): irisctl backup while irisd runs, restore into an empty
directory with the master key, erasure replayed from the live installation's
ledger, and refusal of tampered backups, wrong keys and non-empty targets.
See docs/backup.md."""
import os
import sqlite3
import subprocess
import uuid

from conftest import IRISCTL, Iris, config_for, free_port, start_irisd, stop_irisd
from test_accounts_lib import default_admin_token, unique


def restore(iris, backup, data, *extra):
    return subprocess.run(
        [IRISCTL, "--config", iris.config_path, "restore", backup, "--data", data,
         "--key", os.path.join(iris.data_dir, "master.key")] + list(extra),
        capture_output=True, text=True, timeout=120)


def rows(data_dir, sql, *params):
    db = sqlite3.connect(os.path.join(data_dir, "iris.db"))
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def member(iris, tid, token, first, last):
    username = unique("bk")
    password = "pw-" + uuid.uuid4().hex
    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid, {
        "username": username, "password": password, "email": username + "@example.org",
        "first_name": first, "last_name": last}, token=token)
    assert r.status_code == 201, r.text
    return r.json()["id"], username, password


def serve(data_dir, mail_sink):
    """Starts irisd on a restored directory; returns an Iris-like handle."""
    port = free_port()
    proc, config_path = start_irisd(data_dir, config_for(port, mail_sink.port))
    srv = Iris.__new__(Iris)
    srv.data_dir, srv.port, srv.mails, srv.proc = data_dir, port, mail_sink, proc
    srv.config_path = config_path
    srv.url = "https://127.0.0.1:%d" % port
    srv.verify = os.path.join(data_dir, "tls-cert.pem")
    return srv


# P-AVL-1
def test_backup_restore_replays_erasure(fresh_iris, mail_sink, tmp_path):
    iris = fresh_iris
    admin = default_admin_token(iris)
    tid = iris.api("GET", "/api/v1/me", token=admin).json()["tenant_id"]
    victim_id, victim, victim_pw = member(iris, tid, admin, "Vera", "Canaryvictim")
    keeper_id, keeper, keeper_pw = member(iris, tid, admin, "Kim", "Keeper")
    r = iris.api("PATCH", "/api/v1/tenants/%s/members/%s/profile" % (tid, victim_id),
                 {"nickname": "sealed-canary-nick"}, token=admin)
    assert r.status_code == 200, r.text

    # The backup is taken while irisd runs and holds no plaintext.
    backup = str(tmp_path / "iris.backup")
    r = iris.ctl("backup", backup)
    assert r.returncode == 0, r.stderr
    assert oct(os.stat(backup).st_mode & 0o777) == "0o600"
    raw = open(backup, "rb").read()
    for needle in (b"SQLite format", b"CREATE TABLE", victim.encode(), keeper.encode(),
                   victim_id.encode()):
        assert needle not in raw

    # After the backup, the victim is erased in the live installation.
    r = iris.api("DELETE", "/api/v1/tenants/%s/members/%s" % (tid, victim_id), token=admin)
    assert r.status_code == 204, r.text
    assert rows(iris.data_dir, "SELECT subject_id FROM erasure_ledger WHERE subject_id = ?",
                victim_id) == [(victim_id,)]

    # Without replay, the old backup brings the victim back (what replay is for).
    plain = str(tmp_path / "restored-plain")
    r = restore(iris, backup, plain, "--no-replay")
    assert r.returncode == 0, r.stderr
    assert "WARNING" in r.stdout
    assert rows(plain, "SELECT username FROM accounts WHERE id = ?", victim_id) == [(victim,)]
    assert rows(plain, "SELECT COUNT(*) FROM subject_keys WHERE subject_id = ?",
                victim_id)[0][0] >= 1

    # A restore needs a replay source or an explicit --no-replay.
    r = restore(iris, backup, str(tmp_path / "restored-none"))
    assert r.returncode == 2
    assert not os.path.exists(str(tmp_path / "restored-none"))

    # With replay from the live data directory: the victim's key and rows are gone.
    replayed = str(tmp_path / "restored")
    r = restore(iris, backup, replayed, "--replay-from", iris.data_dir)
    assert r.returncode == 0, r.stderr
    assert "1 subjects erased again" in r.stdout, r.stdout
    assert rows(replayed, "SELECT COUNT(*) FROM accounts WHERE id = ?", victim_id) == [(0,)]
    assert rows(replayed, "SELECT COUNT(*) FROM account_profiles WHERE account_id = ?",
                victim_id) == [(0,)]
    assert rows(replayed, "SELECT COUNT(*) FROM subject_keys WHERE subject_id = ?",
                victim_id) == [(0,)]
    assert rows(replayed, "SELECT COUNT(*) FROM erasure_ledger WHERE subject_id = ?",
                victim_id) == [(1,)]
    assert oct(os.stat(os.path.join(replayed, "master.key")).st_mode & 0o777) == "0o600"

    # The same with an exported ledger file.
    ledger = str(tmp_path / "ledger.txt")
    r = iris.ctl("erasure-ledger", "export", ledger)
    assert r.returncode == 0, r.stderr
    assert victim_id in open(ledger).read()
    via_file = str(tmp_path / "restored-file")
    r = restore(iris, backup, via_file, "--ledger", ledger)
    assert r.returncode == 0, r.stderr
    assert rows(via_file, "SELECT COUNT(*) FROM accounts WHERE id = ?", victim_id) == [(0,)]

    # The restored installation runs: the keeper logs in, the victim does not.
    srv = serve(replayed, mail_sink)
    try:
        r = srv.api("POST", "/api/v1/auth/login", {"username": keeper, "password": keeper_pw})
        assert r.status_code == 200, r.text
        r = srv.api("POST", "/api/v1/auth/login", {"username": victim, "password": victim_pw})
        assert r.status_code == 401, r.text
    finally:
        assert stop_irisd(srv.proc) == 0


# P-AVL-1
def test_restore_refuses_tampering_wrong_key_and_nonempty(fresh_iris, tmp_path):
    iris = fresh_iris
    backup = str(tmp_path / "iris.backup")
    r = iris.ctl("backup", backup)
    assert r.returncode == 0, r.stderr
    raw = bytearray(open(backup, "rb").read())

    bad = bytearray(raw)
    bad[len(bad) // 2] ^= 0x01
    tampered = str(tmp_path / "tampered.backup")
    open(tampered, "wb").write(bad)
    target = str(tmp_path / "t1")
    r = restore(iris, tampered, target, "--no-replay")
    assert r.returncode == 1
    assert "tampered" in r.stderr
    assert not os.path.exists(target)

    truncated = str(tmp_path / "truncated.backup")
    open(truncated, "wb").write(raw[:-100])
    r = restore(iris, truncated, target, "--no-replay")
    assert r.returncode == 1
    assert "truncated" in r.stderr or "tampered" in r.stderr
    assert not os.path.exists(target)

    wrong_key = str(tmp_path / "wrong.key")
    fd = os.open(wrong_key, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, os.urandom(32))
    os.close(fd)
    r = subprocess.run([IRISCTL, "restore", backup, "--data", target, "--key", wrong_key,
                        "--no-replay"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "master key does not match" in r.stderr
    assert not os.path.exists(target)

    os.mkdir(target, 0o700)
    open(os.path.join(target, "something"), "w").write("x")
    r = restore(iris, backup, target, "--no-replay")
    assert r.returncode == 1
    assert "not empty" in r.stderr
    assert os.listdir(target) == ["something"]
