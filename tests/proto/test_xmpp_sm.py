"""Stream management (XEP-0198): acks only for committed stanzas, resumption
after a dropped TCP connection without loss or duplicates, unacknowledged
messages back to offline storage when the session is not resumed (live
irisd; a raw client for exact control of the wire)."""
import os
import signal
import time

import conftest
from conftest import close, connect, run, server_ack, until
from rawxmpp import NS_SM, Raw, q


def canary(tag):
    return "canary-%s-%d" % (tag, time.time_ns())


def raw_session(iris, jid, pw, resume=True, presence=True):
    r = Raw(iris, jid, pw)
    feats = r.login()
    assert feats.find(q(NS_SM, "sm")) is not None  # offered after SASL
    r.bind()
    enabled = r.enable(resume)
    if resume:
        assert enabled.get("resume") == "true" and enabled.get("id")
        assert int(enabled.get("max")) > 0
    if presence:
        r.send("<presence/>")
    return r


def send_all(iris, a, apw, to, bodies):
    async def go():
        ca = await connect(iris, a, apw)
        for body in bodies:
            ca.send_message(mto=to, mbody=body, mtype="chat")
        await server_ack(ca)
        await close(ca)
    run(go())


# P-AVL-2, P-CHAT-1: a receiver's TCP connection drops mid-stream (no stream
# close); messages sent meanwhile wait in its session; it resumes on a new
# connection and gets each message exactly once, in order.
def test_resume_after_drop_no_loss_no_duplicate(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    first = [canary("sm-a%d" % i) for i in range(5)]
    later = [canary("sm-b%d" % i) for i in range(7)]
    rb = raw_session(xiris, b, bpw)
    send_all(xiris, a, apw, b, first[:3])
    rb.wait_for(lambda e: first[2] in rb.bodies())
    rb.ack()  # the first three acknowledged
    send_all(xiris, a, apw, b, first[3:])
    rb.wait_for(lambda e: first[4] in rb.bodies())  # received, not acknowledged
    h_client, sm_id = rb.h_in, rb.sm_id
    sent_by_b = 1  # the initial presence
    rb.drop()
    time.sleep(0.3)
    send_all(xiris, a, apw, b, later)  # while b is away
    rb2 = Raw(xiris, b, bpw)
    rb2.login()
    resumed = rb2.resume(sm_id, h_client)
    assert resumed.tag == q(NS_SM, "resumed"), resumed.tag
    assert resumed.get("previd") == sm_id
    assert int(resumed.get("h")) == sent_by_b
    rb2.counting = True
    rb2.h_in = h_client
    rb2.wait_for(lambda e: later[-1] in rb2.bodies(), 15)
    # the resumed session is the bound one: it answers acks and keeps its JID
    assert rb2.ack_request() == sent_by_b
    got = rb.bodies() + rb2.bodies()
    assert got == first + later, got
    # resumed stream keeps working
    fresh = canary("sm-c")
    send_all(xiris, a, apw, b, [fresh])
    rb2.wait_for(lambda e: fresh in rb2.bodies())
    assert rb2.bodies().count(fresh) == 1
    rb2.close()


# P-SEC-4 (XEP-0198 §5): an unknown previd, or another account's session, is not resumed.
def test_resume_refused_for_unknown_or_other_account(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    ra = raw_session(xiris, a, apw)
    ra.drop()
    time.sleep(0.2)
    rb = Raw(xiris, b, bpw)
    rb.login()
    failed = rb.resume(ra.sm_id, 0)
    assert failed.tag == q(NS_SM, "failed")
    assert failed.find("{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found") is not None
    failed = rb.resume("0" * 32, 0)
    assert failed.tag == q(NS_SM, "failed")
    rb.bind()  # the connection carries on as a fresh session
    rb.close()


# P-AVL-2: the <a/> answering an <r/> comes only after the messages before it were
# committed; a SIGKILL right after it loses none of them.
def test_ack_means_durable_across_sigkill(fresh_xiris):
    iris = fresh_xiris
    a, apw = iris.member()
    b, bpw = iris.member()
    bodies = [canary("smk%d" % i) for i in range(40)]
    ra = raw_session(iris, a, apw, presence=False)
    for body in bodies:
        ra.send("<message to='%s' type='chat'><body>%s</body></message>" % (b, body))
    assert ra.ack_request() == len(bodies)
    os.kill(iris.proc.pid, signal.SIGKILL)
    iris.proc.wait()
    proc, _ = conftest.api.start_irisd(iris.data_dir, open(iris.config_path).read())
    iris.proc = proc
    conftest.wait_port(iris.c2s)

    async def receive():
        cb = await connect(iris, b, bpw)
        assert await until(lambda: len(cb.bodies()) >= len(bodies), 20)
        assert cb.bodies() == bodies
        await close(cb)
    run(receive())


# P-AVL-2: a dropped session that is not resumed in time gives its
# unacknowledged messages back to offline storage: the next login gets them.
def test_unresumed_session_messages_go_offline(mail_sink, tmp_path):
    iris = conftest.start(str(tmp_path / "data"), mail_sink, "resume_timeout_s = 2\n")
    try:
        a, apw = iris.member()
        b, bpw = iris.member()
        seen = [canary("smo-seen%d" % i) for i in range(2)]
        away = [canary("smo-away%d" % i) for i in range(4)]
        rb = raw_session(iris, b, bpw)
        send_all(iris, a, apw, b, seen)
        rb.wait_for(lambda e: seen[-1] in rb.bodies())
        rb.ack()
        time.sleep(0.2)
        rb.drop()
        time.sleep(0.3)
        send_all(iris, a, apw, b, away)
        time.sleep(3.5)  # beyond xmpp.resume_timeout_s

        async def receive():
            cb = await connect(iris, b, bpw)
            assert await until(lambda: len(cb.bodies()) >= len(away), 20)
            await server_ack(cb)
            assert cb.bodies() == away  # acknowledged ones are not sent again
            await close(cb)
        run(receive())
        user = b.split("@")[0]
        left = iris.sql("SELECT COUNT(*) FROM xmpp_offline o JOIN accounts a "
                        "ON a.id = o.owner_id WHERE a.username = ?", user)
        assert left[0][0] == 0
    finally:
        conftest.api.stop_irisd(iris.proc)


# P-AVL-2 (XEP-0198) with a real client: slixmpp's xep_0198 plugin enables resumable
# stream management, answers the server's <r/> and gets its acks.
def test_slixmpp_stream_management(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    bodies = [canary("smx%d" % i) for i in range(12)]

    async def go():
        cb = conftest.Client(b, bpw)
        cb.register_plugin("xep_0198")
        enabled = []
        cb.add_event_handler("sm_enabled", lambda _: enabled.append(True))
        cb.ssl_context = conftest.tls_context(xiris)
        cb.connect(("127.0.0.1", xiris.c2s))
        await cb.ready.wait()
        assert await until(lambda: enabled)
        ca = await connect(xiris, a, apw)
        for body in bodies:
            ca.send_message(mto=b, mbody=body, mtype="chat")
        assert await until(lambda: len(cb.bodies()) == len(bodies))
        sm = cb.plugin["xep_0198"]
        assert sm.sm_id
        # the client's own stanzas: acknowledged once the server handled them
        back = canary("smx-back")
        cb.send_message(mto=a, mbody=back, mtype="chat")
        assert await until(lambda: back in ca.bodies())
        sm.request_ack()  # sent raw, so only after the message was written
        assert await until(lambda: len(sm.unacked_queue) == 0)
        assert sm.handled >= len(bodies)  # the server's stanzas were counted
        assert cb.bodies() == bodies
        await close(ca, cb)
    run(go())
