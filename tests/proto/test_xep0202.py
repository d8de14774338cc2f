"""XEP-0202 Entity Time (src/modules/time, the worked example of a feature
module): the server answers <time/> with its UTC time and offset, from the
address it was asked at, and lists urn:xmpp:time in its disco#info."""
import datetime

from conftest import close, connect, run


def test_entity_time_of_the_server(xiris):
    a, apw = xiris.member()

    async def go():
        c = await connect(xiris, a, apw)
        c.register_plugin("xep_0202")
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        r = await c.plugin["xep_0202"].get_entity_time("localhost", timeout=10)
        after = datetime.datetime.now(datetime.timezone.utc)
        assert r["type"] == "result"
        assert r["from"].full == "localhost"
        utc = r.xml.findtext("{urn:xmpp:time}time/{urn:xmpp:time}utc")
        tzo = r.xml.findtext("{urn:xmpp:time}time/{urn:xmpp:time}tzo")
        assert utc.endswith("Z") and len(tzo) == 6 and tzo[0] in "+-" and tzo[3] == ":"
        # XEP-0202 §3 ends <utc> with Z (slixmpp's own parser appends a second
        # Z, so the stamp is read here)
        t = datetime.datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        assert before - datetime.timedelta(seconds=2) <= t <= after + datetime.timedelta(seconds=2)
        # without a 'to' the server answers too; an account's bare JID is not a clock
        r = await c.plugin["xep_0202"].get_entity_time(None, timeout=10)
        assert r.xml.find("{urn:xmpp:time}time/{urn:xmpp:time}utc") is not None
        info = await c.plugin["xep_0030"].get_info(jid="localhost", timeout=10)
        assert "urn:xmpp:time" in info["disco_info"]["features"]
        await close(c)
    run(go())
