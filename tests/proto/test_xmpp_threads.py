"""XMPP under concurrency: several clients log in at once (SCRAM on the
worker pool), exchange messages (archived in worker transactions, routed on
the loop) and store offline messages, while SIGHUP reloads the settings
those paths read. Every message must arrive. On the ThreadSanitizer build
(make check-tsan) the autouse fixture no_tsan_report fails the test on a data
race reported in the irisd log."""
import asyncio
import signal
import threading
import time

from conftest import close, connect, run, server_ack, until

CLIENTS = 5
MESSAGES = 8


def test_concurrent_sessions_during_reloads(fresh_xiris):
    iris = fresh_xiris
    users = [iris.member(prefix="thr") for _ in range(CLIENTS)]
    offline_jid, _ = iris.member(prefix="off")
    done = threading.Event()

    def reloader():
        n = 0
        while not done.is_set():
            n += 1
            with open(iris.config_path, "a") as f:
                f.write("[server]\nlog_level = %s\n[xmpp]\nmax_offline = %d\n"
                        "[auth]\nscram_iterations = %d\n"
                        % ("debug" if n % 2 else "info", 1000 + n, 4096 + n))
            iris.proc.send_signal(signal.SIGHUP)
            time.sleep(0.05)

    async def scenario():
        clients = await asyncio.gather(*(connect(iris, jid, pw) for jid, pw in users))
        for c in clients:
            assert not c.failed
        for i in range(MESSAGES):
            for k, c in enumerate(clients):
                to = users[(k + 1) % CLIENTS][0]
                c.send_message(mto=to, mbody="m%d from %d" % (i, k), mtype="chat")
                c.send_message(mto=offline_jid, mbody="o%d from %d" % (i, k), mtype="chat")
        await asyncio.gather(*(server_ack(c) for c in clients))
        for c in clients:
            assert await until(lambda c=c: len(c.bodies()) == MESSAGES, 30), c.bodies()
        await close(*clients)

    hup = threading.Thread(target=reloader)
    hup.start()
    try:
        run(scenario())
    finally:
        done.set()
        hup.join()
    stored = iris.sql("SELECT COUNT(*) FROM xmpp_offline o JOIN accounts a "
                      "ON a.id = o.owner_id WHERE a.username = ?", offline_jid.split("@")[0])
    assert stored[0][0] == CLIENTS * MESSAGES
    assert iris.proc.poll() is None
