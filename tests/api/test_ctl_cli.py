"""irisctl and irisd as command lines (issue 9, items 12-14 and 10's CLI
part): options anywhere and unknown ones refused, files private to the
iris user, one irisd per data directory, --version, irisd's own settings
file read by irisctl, tenants by name or id, passwords on stdin."""
import json
import os
import re
import sqlite3
import stat
import subprocess

from conftest import IRISCTL, IRISD, ROOT, config_for, free_port, start_irisd, stop_irisd


def ctl_bare(*args, stdin=None):
    """irisctl without --data/--config handed in front."""
    return subprocess.run([IRISCTL] + list(args), capture_output=True, text=True,
                          input=stdin, timeout=120)


def tenant_name_and_id(iris):
    r = iris.ctl("tenant", "list", check=True)
    tid, _plan, name = r.stdout.splitlines()[0].split("\t")
    return name, tid


BOOK = ("ID,Full Name,E-mail,Phone\r\n"
        "1,MARIE DUPONT,marie.dupont@gmial.com,06 12 34 56 78\r\n"
        "2,Marie Dupont,marie.dupont@gmail.com,+33612345678\r\n")


def test_contacts_options_after_the_input(iris, tmp_path):
    """irisctl handed the command line over with getopt in "stop at the
    first operand" mode: every option after IN was ignored."""
    src = tmp_path / "in.csv"
    src.write_text(BOOK)
    out, rep, journal = tmp_path / "out.csv", tmp_path / "rep.csv", tmp_path / "j.json"
    r = iris.ctl("contacts", "clean", str(src), "-o", str(out), "--report", str(rep), "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert out.read_text().startswith("id,")
    assert rep.read_text().startswith("kind,line_or_id,")
    r = iris.ctl("contacts", "dedupe", str(src), "--lang", "fr", "-q")
    assert r.returncode == 0, r.stderr
    assert ",Mme," in r.stdout and ",Ms," not in r.stdout
    merged = tmp_path / "merged.csv"
    r = iris.ctl("contacts", "merge", str(src), "-o", str(merged), "--journal", str(journal),
                 "-q")
    assert r.returncode == 0, r.stderr
    assert merged.exists() and journal.exists()


def test_unknown_options_and_stray_words_refused(iris, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(BOOK)
    cases = [
        ("tenant", "list", "--bogus"),
        ("contacts", "clean", str(src), "--bogus"),
        ("contacts", "clean", str(src), "stray"),
        ("audit", "verify", "--tenant"),
        ("breach", "list", "extra"),
        ("dsr", "report", "--user", "x", "--bogus"),
        ("--bogus", "tenant", "list"),
    ]
    for args in cases:
        r = iris.ctl(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "usage:" in r.stderr, args
    r = iris.ctl("tenant", "list", "--bogus")
    assert "unknown option '--bogus'" in r.stderr
    # irisctl's own --data may also follow the command; "--" ends options
    r = ctl_bare("tenant", "list", "--data", iris.data_dir, "--config", iris.config_path)
    assert r.returncode == 0, r.stderr
    r = ctl_bare("--data", iris.data_dir, "tenant", "--", "list", "--bogus")
    assert r.returncode == 2


def project_version():
    with open(os.path.join(ROOT, "meson.build")) as f:
        return re.search(r"version\s*:\s*'([^']+)'", f.read()).group(1)


def test_version():
    want = project_version()
    for binary, name in ((IRISD, "irisd"), (IRISCTL, "irisctl")):
        r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "%s %s" % (name, want)


def test_tenant_by_name_or_id(iris):
    name, tid = tenant_name_and_id(iris)
    for t in (name, tid):
        r = iris.ctl("audit", "verify", "--tenant", t)
        assert r.returncode == 0, r.stderr
        assert tid in r.stdout and "0 entries" not in r.stdout
    r = iris.ctl("audit", "verify", "--tenant", "no-such-tenant")
    assert r.returncode == 1
    assert "no tenant named no-such-tenant" in r.stderr
    r = iris.ctl("register", "--tenant", name)
    assert r.returncode == 0, r.stderr
    r = iris.ctl("account", "create", "--tenant", name, "--username", "byname1")
    assert r.returncode == 0, r.stderr
    assert "one-time password:" in r.stdout
    r = iris.ctl("account", "create", "--tenant", "no-such-tenant", "--username", "byname2")
    assert r.returncode == 1 and "no tenant named no-such-tenant" in r.stderr
    assert "internal" not in r.stderr


def test_account_password_from_stdin(iris):
    name, _ = tenant_name_and_id(iris)
    password = "Stdin-password-9147"
    r = subprocess.run([IRISCTL, "--data", iris.data_dir, "--config", iris.config_path,
                        "account", "create", "--tenant", name, "--username", "stdinpw",
                        "--password-stdin"], input=password + "\n", capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "one-time password" not in r.stdout and password not in r.stdout + r.stderr
    r = iris.api("POST", "/api/v1/auth/login", {"username": "stdinpw", "password": password})
    assert r.status_code == 200, r.text
    assert r.json()["account"]["must_change_password"] is False
    # the password policy applies; nothing read: refused
    for given in ("short\n", ""):
        r = subprocess.run([IRISCTL, "--data", iris.data_dir, "--config", iris.config_path,
                            "account", "create", "--tenant", name, "--username", "stdinpw2",
                            "--password-stdin"], input=given, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 1, (given, r.stdout, r.stderr)


def test_irisctl_reads_the_settings_file_of_irisd(iris):
    """tom checks the TLS listener: without --config it used to probe the
    default port 8443; it now reads the file irisd was started with."""
    name, _ = tenant_name_and_id(iris)
    r = ctl_bare("--data", iris.data_dir, "tom", "--tenant", name)
    assert r.stdout, r.stderr
    report = json.loads(r.stdout)
    tls = [c for c in report["checks"] if c["id"] == "tls"][0]
    assert "127.0.0.1:%d" % iris.port in tls["detail"], tls


def test_data_directory_files_are_private(iris):
    # P-SEC-6 keys and data at rest: nobody but the iris user reads them
    mode = stat.S_IMODE(os.stat(iris.data_dir).st_mode)
    assert mode == 0o700, oct(mode)
    # -wal and -shm live while a connection is open (SQLite removes them
    # at the last close); they take the database file's mode
    conn = sqlite3.connect(os.path.join(iris.data_dir, "iris.db"))
    try:
        conn.execute("SELECT count(*) FROM tenants").fetchone()
        names = os.listdir(iris.data_dir)
        for must in ("iris.db", "iris.db-wal", "iris.db-shm", "master.key", "irisd.lock"):
            assert must in names
        for n in names:
            p = os.path.join(iris.data_dir, n)
            if os.path.isfile(p):
                mode = stat.S_IMODE(os.stat(p).st_mode)
                assert mode & 0o077 == 0, (n, oct(mode))
    finally:
        conn.close()


def test_second_irisd_on_the_same_directory_refused(iris, mail_sink):
    cfg = os.path.join(os.path.dirname(iris.data_dir), "second.ini")
    with open(cfg, "w") as f:
        f.write(config_for(free_port(), mail_sink.port))
    r = subprocess.run([IRISD, "--config", cfg, "--data", iris.data_dir], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1
    assert ("data directory %s is in use by another irisd (pid %d)"
            % (iris.data_dir, iris.proc.pid)) in r.stderr
    assert iris.proc.poll() is None
    # irisctl works beside the running irisd (it takes no lock)
    assert iris.ctl("tenant", "list").returncode == 0


def test_open_data_directory_refused(mail_sink, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o750)
    cfg = tmp_path / "irisd.ini"
    cfg.write_text(config_for(free_port(), mail_sink.port))
    r = subprocess.run([IRISD, "--config", str(cfg), "--data", str(data)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert str(data) in r.stderr and "chmod 700 %s" % data in r.stderr
    assert not (data / "iris.db").exists()
    r = ctl_bare("--data", str(data), "tenant", "list")
    assert r.returncode == 1 and "chmod 700" in r.stderr
    # missing: irisd creates it, 0700
    fresh = tmp_path / "fresh"
    proc, _ = start_irisd(str(fresh), config_for(free_port(), mail_sink.port))
    try:
        assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o700
    finally:
        assert stop_irisd(proc) == 0
