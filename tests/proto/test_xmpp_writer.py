"""The store's one writer thread (issue 10 item 4) under backpressure: with
a writer queue of one job, two senders' messages still reach the store in
order, each acknowledgement (XEP-0198) still means durable (a SIGKILL right
after loses nothing), and irisd says it slowed clients down (live irisd,
raw clients)."""
import os
import signal
import time

import conftest
from conftest import close, connect, run, until
from rawxmpp import NS_SM, Raw, q


def session(iris, jid, pw):
    r = Raw(iris, jid, pw)
    feats = r.login()
    assert feats.find(q(NS_SM, "sm")) is not None
    r.bind()
    r.enable(False)
    return r


def log_text(iris):
    with open(iris.data_dir + ".log", "rb") as f:
        return f.read().decode(errors="replace")


# P-AVL-2: a full writer queue pauses readers; nothing is dropped, the order
# of each sender holds, and what was acknowledged survives a SIGKILL.
def test_full_writer_queue_slows_clients_loses_nothing(mail_sink, tmp_path):
    iris = conftest.start(str(tmp_path / "data"), mail_sink, "[server]\nwriter_queue = 1\n")
    try:
        a, apw = iris.member()
        c, cpw = iris.member()
        b, bpw = iris.member()  # offline: every message goes to offline storage
        n = 150
        from_a = ["wq-a%d-%d" % (i, time.time_ns()) for i in range(n)]
        from_c = ["wq-c%d-%d" % (i, time.time_ns()) for i in range(n)]
        ra, rc = session(iris, a, apw), session(iris, c, cpw)
        msg = "<message to='%s' type='chat'><body>%s</body></message>"
        # one write each: many stanzas arrive in one read, the writer takes
        # one job at a time
        ra.send("".join(msg % (b, body) for body in from_a))
        rc.send("".join(msg % (b, body) for body in from_c))
        assert ra.ack_request(60) == n
        assert rc.ack_request(60) == n
        assert "event=xmpp_writer_full" in log_text(iris)
        os.kill(iris.proc.pid, signal.SIGKILL)
        iris.proc.wait()
        proc, _ = conftest.api.start_irisd(iris.data_dir, open(iris.config_path).read())
        iris.proc = proc
        conftest.wait_port(iris.c2s)

        async def receive():
            cb = await connect(iris, b, bpw)
            assert await until(lambda: len(cb.bodies()) >= 2 * n, 60)
            got = cb.bodies()
            assert [x for x in got if x.startswith("wq-a")] == from_a
            assert [x for x in got if x.startswith("wq-c")] == from_c
            await close(cb)
        run(receive())
    finally:
        assert conftest.api.stop_irisd(iris.proc) == 0, "irisd did not drain and exit cleanly"
