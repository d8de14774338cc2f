"""Invisible mode (XEP-0186, P-PRE-1): an invisible user appears offline to
everyone (no broadcast, probes answered as unavailable) and still chats."""
import asyncio
import time
import xml.etree.ElementTree as ET

from conftest import close, connect, run, server_ack, until

NS = "urn:xmpp:invisible:0"


def canary(tag):
    return "canary-%s-%d" % (tag, time.time_ns())


async def set_invisible(c, on):
    iq = c.Iq()
    iq["type"] = "set"
    iq.append(ET.Element("{%s}%s" % (NS, "invisible" if on else "visible")))
    r = await iq.send(timeout=20)
    assert r["type"] == "result"


def available_from(c, bare):
    return [p for p in c.seen_from(bare) if p["type"] not in ("unavailable", "error", "probe")]


# P-PRE-1, P-PRE-2: two observers who may see the user (same tenant) never see
# an invisible user online; their probes are answered "unavailable"; the
# invisible user still sees them and chats both ways; visible again shows
# the presence, invisible again sends unavailable.
def test_invisible_user_appears_offline_to_two_observers(xiris):
    a, apw = xiris.member()
    b, bpw = xiris.member()
    c_, cpw = xiris.member()

    async def go():
        cb = await connect(xiris, b, bpw)
        cc = await connect(xiris, c_, cpw)
        ca = await connect(xiris, a, apw, send_presence=False)
        await set_invisible(ca, True)
        ca.send_presence(pshow="dnd")
        await server_ack(ca)
        # the invisible user sees the observers
        assert await until(lambda: available_from(ca, b) and available_from(ca, c_))
        # observers probe: unavailable, never available
        for obs in (cb, cc):
            obs.send_presence(pto=a, ptype="probe")
            await server_ack(obs)
        assert await until(lambda: any(p["type"] == "unavailable" for p in cb.seen_from(a)))
        assert await until(lambda: any(p["type"] == "unavailable" for p in cc.seen_from(a)))
        # a tenant member logging in now does not see it either
        await asyncio.sleep(0.3)
        assert available_from(cb, a) == [] and available_from(cc, a) == []
        # still able to chat, both ways
        out, back = canary("inv-out"), canary("inv-back")
        ca.send_message(mto=b, mbody=out, mtype="chat")
        assert await until(lambda: out in cb.bodies())
        cc.send_message(mto=a, mbody=back, mtype="chat")
        assert await until(lambda: back in ca.bodies())
        assert available_from(cb, a) == [] and available_from(cc, a) == []
        # visible: both observers get the presence (with its show)
        await set_invisible(ca, False)
        assert await until(lambda: available_from(cb, a) and available_from(cc, a))
        assert available_from(cb, a)[-1]["show"] == "dnd"
        # invisible again: unavailable from the resource
        n_b, n_c = len(cb.seen_from(a)), len(cc.seen_from(a))
        await set_invisible(ca, True)
        assert await until(lambda: len(cb.seen_from(a)) > n_b and len(cc.seen_from(a)) > n_c)
        assert cb.seen_from(a)[-1]["type"] == "unavailable"
        assert cc.seen_from(a)[-1]["type"] == "unavailable"
        # a new observer session logging in gets no presence of the invisible user
        cd = await connect(xiris, b, bpw)
        await server_ack(cd)
        await asyncio.sleep(0.3)
        assert available_from(cd, a) == []
        await close(ca, cb, cc, cd)
    run(go())
