"""1:1 messages: online and offline delivery, routing rules, spoofed from,
unknown users, the sealed archive and durability (live irisd, slixmpp)."""
import asyncio
import os
import signal
import time

import conftest
from conftest import close, connect, run, server_ack, until


def canary(tag):
    return "canary-%s-%d" % (tag, time.time_ns())


# P-CHAT-1: a chat message reaches the online recipient, from the sender's full JID.
def test_online_delivery(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    body = "hello " + canary("on")

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        ca.send_message(mto=b, mbody=body, mtype="chat")
        assert await until(lambda: body in cb.bodies())
        m = [m for m in cb.messages if m["body"] == body][0]
        assert m["from"] == ca.boundjid and m["type"] == "chat"
        await close(ca, cb)
    run(go())


# P-CHAT-1 (XEP-0160): a message to an offline user waits and is delivered, with a
# delay stamp, at the next login; then it is gone from the offline store.
def test_offline_delivery(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    bodies = [canary("off%d" % i) for i in range(3)]

    async def go():
        ca = await connect(xiris, a, apw)
        for body in bodies:
            ca.send_message(mto=b, mbody=body, mtype="chat")
        await server_ack(ca)
        cb = await connect(xiris, b, bpw)
        assert await until(lambda: len(cb.bodies()) == 3)
        assert cb.bodies() == bodies  # in order
        for m in cb.messages:
            assert m["delay"]["stamp"] is not None
            assert m["from"].bare == a
        await close(ca, cb)
    run(go())
    user = b.split("@")[0]
    # Delivered offline rows are deleted by a storage job after delivery:
    # allow it a moment on a loaded machine, but it must happen.
    deadline = time.monotonic() + 10
    while True:
        left = xiris.sql("SELECT COUNT(*) FROM xmpp_offline o JOIN accounts a "
                         "ON a.id = o.owner_id WHERE a.username = ?", user)
        if left[0][0] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left[0][0] == 0


# RFC 6120 §8.1.2.1: the server stamps from; a spoofed from is replaced.
def test_spoofed_from_is_corrected(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    victim, _ = xiris.member()
    body = canary("spoof")

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        ca.send_raw("<message to='%s' from='%s/forged' type='chat'><body>%s</body></message>"
                    % (b, victim, body))
        assert await until(lambda: body in cb.bodies())
        m = [m for m in cb.messages if m["body"] == body][0]
        assert m["from"] == ca.boundjid
        await close(ca, cb)
    run(go())


# RFC 6121 §8.5.1: a message to a user who does not exist gets service-unavailable.
def test_unknown_user_service_unavailable(xiris):
    a, apw = xiris.member()

    async def go():
        ca = await connect(xiris, a, apw)
        ca.send_message(mto="nobody-%d@localhost" % time.time_ns(), mbody="x", mtype="chat")
        assert await until(lambda: ca.errors)
        assert ca.errors[0]["error"]["condition"] == "service-unavailable"
        await close(ca)
    run(go())


# RFC 6121 §8.5.2.1.1: a bare-JID message goes to the highest-priority resources only;
# a full-JID message to that resource only.
def test_priority_and_full_jid_routing(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    hi, lo, direct = canary("hi"), canary("lo"), canary("full")

    async def go():
        b1 = await connect(xiris, b, bpw, priority=5)
        b2 = await connect(xiris, b, bpw, priority=1)
        ca = await connect(xiris, a, apw)
        await asyncio.sleep(0.3)
        ca.send_message(mto=b, mbody=hi, mtype="chat")
        ca.send_message(mto=b2.boundjid.full, mbody=direct, mtype="chat")
        assert await until(lambda: hi in b1.bodies() and direct in b2.bodies())
        await asyncio.sleep(0.3)
        assert hi not in b2.bodies() and direct not in b1.bodies()
        await close(ca, b1, b2)
    run(go())


# P-SEC-2: no message body is stored in clear (online, offline, archive).
def test_canary_scan_database(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    c, _ = xiris.member()  # stays offline
    online, offline = canary("dbon"), canary("dboff")

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        ca.send_message(mto=b, mbody=online, mtype="chat")
        ca.send_message(mto=c, mbody=offline, mtype="chat")
        assert await until(lambda: online in cb.bodies())
        await asyncio.sleep(0.5)
        await close(ca, cb)
    run(go())
    stored = xiris.sql("SELECT COUNT(*) FROM xmpp_messages")[0][0]
    assert stored >= 2
    views = xiris.sql("SELECT COUNT(*) FROM xmpp_archive")[0][0]
    assert views >= 4  # one view per participant
    data = xiris.db_bytes()
    assert online.encode() not in data and offline.encode() not in data


# P-AVL-2: messages the server acknowledged (a later ping answered: the session's
# stanzas are handled in order, and messages only after their commit) survive a
# SIGKILL and are delivered after the restart.
def test_acknowledged_messages_survive_sigkill(fresh_xiris):
    iris = fresh_xiris
    a, apw = iris.member()
    b, bpw = iris.member()
    bodies = [canary("kill%d" % i) for i in range(50)]

    async def send():
        ca = await connect(iris, a, apw)
        for body in bodies:
            ca.send_message(mto=b, mbody=body, mtype="chat")
        await server_ack(ca)
        os.kill(iris.proc.pid, signal.SIGKILL)
        iris.proc.wait()
    run(send())
    proc, _ = conftest.api.start_irisd(iris.data_dir, open(iris.config_path).read())
    iris.proc = proc
    conftest.wait_port(iris.c2s)

    async def receive():
        cb = await connect(iris, b, bpw)
        assert await until(lambda: len(cb.bodies()) >= len(bodies), 20)
        assert cb.bodies() == bodies
        await close(cb)
    run(receive())
