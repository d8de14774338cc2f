"""Worker-pool concurrency: many REST requests at once (self-registrations
whose confirmation mail goes out from a worker, logins that hash passwords,
failed logins that fill the rate-limit and credential-stuffing tables,
/metrics) while SIGHUP reloads the settings those requests read. Every request must get its right answer. On the ThreadSanitizer build
(make check-tsan) this is where a data race between the loop thread and the
workers shows: the autouse fixture no_tsan_report fails the test on a report
in the irisd log."""
import signal
import threading
import time

from test_accounts_lib import register


def test_concurrent_requests_during_reloads(fresh_iris):
    iris = fresh_iris
    op = iris.first_login["operator"]
    errors = []
    done = threading.Event()

    def client(n):
        source = "127.0.0.%d" % (10 + n)
        try:
            _, _, _, token = register(iris, prefix="thr%d" % n)
            r = iris.api("GET", "/api/v1/me", token=token, source=source)
            if r.status_code != 200:
                errors.append(("me", r.status_code))
            for i in range(6):
                r = iris.api("POST", "/api/v1/auth/login",
                             {"username": op["username"], "password": op["password"]},
                             source=source)
                if r.status_code != 200 or not r.json().get("token"):
                    errors.append(("login", r.status_code))
                r = iris.api("POST", "/api/v1/auth/login",
                             {"username": "nobody%d-%d" % (n, i), "password": "wrong-pw"},
                             source=source)
                if r.status_code not in (401, 429):
                    errors.append(("bad login", r.status_code))
                r = iris.api("GET", "/metrics", source=source)
                if r.status_code != 200 or "rate_limited_total" not in r.text:
                    errors.append(("metrics", r.status_code))
        except Exception as e:  # a dropped connection is a failure too
            errors.append(("exception", repr(e)))

    def reloader():
        ttl = 3600
        while not done.is_set():
            ttl = 7200 if ttl == 3600 else 3600
            level = "debug" if ttl == 3600 else "info"
            with open(iris.config_path, "a") as f:
                f.write("[server]\nlog_level = %s\n[auth]\ntoken_ttl_s = %d\n"
                        "login_max_failures = %d\n[smtp]\nfrom = iris%d@localhost\n"
                        % (level, ttl, 5 + ttl // 3600, ttl))
            iris.proc.send_signal(signal.SIGHUP)
            time.sleep(0.05)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    hup = threading.Thread(target=reloader)
    hup.start()
    for t in clients:
        t.start()
    for t in clients:
        t.join(timeout=300)
    done.set()
    hup.join()
    assert not errors, errors
    assert iris.proc.poll() is None
    assert iris.api("GET", "/api/v1/health").status_code == 200
