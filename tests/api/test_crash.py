"""No acknowledged write is lost (P-AVL-2): several threads create accounts
through the REST API, every 201 is recorded, irisd is killed with SIGKILL in
the middle of the load, restarted on the same data directory, and every
acknowledged account must be there. Holds because SQLite runs in WAL mode
with synchronous=FULL and a handler answers only after its commit."""
import signal
import threading
import time

from conftest import Iris, config_for, free_port, start_irisd, stop_irisd
from test_accounts_lib import default_admin_token

THREADS = 4
LOAD_SECONDS = 2.5


def start_unthrottled(mail_sink, tmp_path):
    """A private irisd whose rate limits are off (they are not under test
    here: the load must get through). Returns (iris, config) so that the
    test can start it again on the same data directory."""
    data_dir = str(tmp_path / "data")
    port = free_port()
    config = config_for(port, mail_sink.port,
                        "[ratelimit]\naddress_burst = 0\naccount_burst = 0\n")
    proc, config_path = start_irisd(data_dir, config)
    return Iris(data_dir, port, mail_sink, proc, config_path), config


# P-AVL-2
def test_sigkill_mid_load_loses_no_acknowledged_write(mail_sink, tmp_path):
    iris, config = start_unthrottled(mail_sink, tmp_path)
    try:
        admin = default_admin_token(iris)
        tid = iris.api("GET", "/api/v1/me", token=admin).json()["tenant_id"]
        acked, lock, stop = [], threading.Lock(), threading.Event()
        errors_after_kill = [0]

        def writer(n):
            i = 0
            while not stop.is_set():
                username = "crash-%d-%d" % (n, i)
                i += 1
                try:
                    r = iris.api("POST", "/api/v1/tenants/%s/members" % tid,
                                 {"username": username, "password": "pw-crash-12345",
                                  "first_name": "Crash", "last_name": "Test"}, token=admin)
                except OSError:
                    errors_after_kill[0] += 1
                    return
                if r.status_code == 201:
                    with lock:
                        acked.append(username)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        iris.proc.send_signal(signal.SIGKILL)  # mid-load: requests are in flight
        iris.proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acked) >= 10, "the load did not get going (%d writes)" % len(acked)

        # Same data directory, new process: everything acknowledged is there.
        iris.proc, _ = start_irisd(iris.data_dir, config)
        r = iris.api("GET", "/api/v1/tenants/%s/members" % tid, token=admin)
        assert r.status_code == 200, r.text
        present = {m["username"] for m in r.json()["members"]}
        lost = [u for u in acked if u not in present]
        assert lost == [], "acknowledged but lost after SIGKILL: %s" % lost[:10]
        # And the store is consistent: the audit chain verifies after the crash.
        v = iris.ctl("audit", "verify")
        assert v.returncode == 0, v.stdout + v.stderr
    finally:
        if iris.proc.poll() is None:
            assert stop_irisd(iris.proc) == 0


# P-AVL-2, issue 10 item 4: profile changes go through the store's writer
# thread; a SIGKILL mid-load loses none that was answered 200. Each thread
# owns one account and patches it in sequence, so after the restart its
# value is the last one answered or a later one (in flight, committed but
# not answered).
def test_sigkill_mid_profile_load_loses_no_acknowledged_write(mail_sink, tmp_path):
    from test_accounts_lib import add_member
    iris, config = start_unthrottled(mail_sink, tmp_path)
    try:
        admin = default_admin_token(iris)
        tid = iris.api("GET", "/api/v1/me", token=admin).json()["tenant_id"]
        users = [add_member(iris, tid, admin, prefix="crashprof") for _ in range(THREADS)]
        acked = [-1] * THREADS
        stop = threading.Event()

        def patcher(n):
            token = users[n][2]
            i = 0
            while not stop.is_set():
                try:
                    r = iris.api("PATCH", "/api/v1/me/profile", {"nickname": "n-%d" % i},
                                 token=token)
                except OSError:
                    return
                if r.status_code == 200:
                    acked[n] = i
                i += 1

        threads = [threading.Thread(target=patcher, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        iris.proc.send_signal(signal.SIGKILL)
        iris.proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert min(acked) >= 3, "the load did not get going: %s" % acked

        iris.proc, _ = start_irisd(iris.data_dir, config)
        for n, (uid, _, _) in enumerate(users):
            r = iris.api("GET", "/api/v1/tenants/%s/members/%s/profile" % (tid, uid),
                         token=admin)
            assert r.status_code == 200, r.text
            got = int(r.json()["nickname"].split("-")[1])
            assert got >= acked[n], "acknowledged n-%d, found n-%d" % (acked[n], got)
        v = iris.ctl("audit", "verify")
        assert v.returncode == 0, v.stdout + v.stderr
    finally:
        if iris.proc.poll() is None:
            assert stop_irisd(iris.proc) == 0
