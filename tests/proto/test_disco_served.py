"""Disco#info says what is served, and only that (issue 10, item 6): the
server's and an account's features come from the handler registry
(src/xmpp/xmpp_registry.c). For every IQ namespace a client may probe,
the live server must answer it if and only if the server's disco#info
lists it; and every feature an account's disco#info lists must be
answered there. "Answered" = a result, or an error other than
<service-unavailable/> and <feature-not-implemented/>."""
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError, IqTimeout

from conftest import close, connect, run

DISCO = "http://jabber.org/protocol/disco#info"

# One minimal request per IQ namespace: (element, type, inner XML).
PROBES = {
    DISCO: ("query", "get", ""),
    "http://jabber.org/protocol/disco#items": ("query", "get", ""),
    "jabber:iq:version": ("query", "get", ""),
    "jabber:iq:last": ("query", "get", ""),
    "jabber:iq:roster": ("query", "get", ""),
    "jabber:iq:private": ("query", "get", "<x xmlns='urn:iris:probe'/>"),
    "jabber:iq:register": ("query", "get", ""),
    "vcard-temp": ("vCard", "get", ""),
    "urn:xmpp:ping": ("ping", "get", ""),
    "urn:xmpp:time": ("time", "get", ""),
    "urn:xmpp:blocking": ("blocklist", "get", ""),
    "urn:xmpp:carbons:2": ("enable", "set", ""),
    "urn:xmpp:mam:2": ("query", "get", ""),
    "http://jabber.org/protocol/commands": ("command", "set", ""),
    "urn:xmpp:invisible:0": ("visible", "set", ""),
    "http://jabber.org/protocol/pubsub": ("pubsub", "get",
                                          "<items node='urn:iris:probe'/>"),
    "http://jabber.org/protocol/pubsub#owner": ("pubsub", "get", ""),
    # not served by Iris: must not be advertised
    "jabber:iq:search": ("query", "get", ""),
    "urn:xmpp:http:upload:0": ("request", "get", ""),
    "http://jabber.org/protocol/bytestreams": ("query", "get", ""),
    "urn:xmpp:mam:1": ("query", "get", ""),
    "jabber:iq:oob": ("query", "set", ""),
}

# Features that are not IQ namespaces, each served elsewhere: offline
# storage of messages (XEP-0160) and PEP's node behaviours (XEP-0163).
NOT_IQ = ("msgoffline",)
NOT_IQ_PREFIX = ("http://jabber.org/protocol/pubsub#",)
NOT_SERVED = ("service-unavailable", "feature-not-implemented")


def not_iq(feature):
    return feature in NOT_IQ or (feature.startswith(NOT_IQ_PREFIX) and
                                 feature != "http://jabber.org/protocol/pubsub#owner")


async def served(c, ns, to):
    name, type_, inner = PROBES[ns]
    q = c.Iq()
    q["type"] = type_
    if to:
        q["to"] = to
    q.append(ET.fromstring("<%s xmlns='%s'>%s</%s>" % (name, ns, inner, name)))
    try:
        await q.send(timeout=15)
        return True
    except IqError as e:
        return e.iq["error"]["condition"] not in NOT_SERVED
    except IqTimeout:
        raise AssertionError("no answer to %s at %s" % (ns, to))


async def features(c, to):
    q = c.Iq()
    q["type"] = "get"
    q["to"] = to
    q.append(ET.Element("{%s}query" % DISCO))
    r = await q.send(timeout=15)
    return {f.get("var") for f in r.xml.iter("{%s}feature" % DISCO)}


def test_server_disco_lists_exactly_what_is_served(xiris):
    a, apw = xiris.member()

    async def go():
        c = await connect(xiris, a, apw)
        advertised = await features(c, "localhost")
        unknown = {f for f in advertised if not not_iq(f) and f not in PROBES}
        assert not unknown, "advertised, no probe here to check it is served: %s" % unknown
        for ns in PROBES:
            is_served = await served(c, ns, "localhost")
            if ns in advertised:
                assert is_served, "advertised on the server but not served: " + ns
            else:
                assert not is_served, "served by the server but not in its disco#info: " + ns
        await close(c)
    run(go())


def test_account_disco_lists_only_what_is_served(xiris):
    a, apw = xiris.member()

    async def go():
        c = await connect(xiris, a, apw)
        advertised = await features(c, a)
        assert "urn:xmpp:mam:2" in advertised and "vcard-temp" in advertised
        for f in advertised:
            if not_iq(f):
                continue
            assert f in PROBES, "advertised, no probe here to check it is served: " + f
            assert await served(c, f, a), "advertised on the account but not served: " + f
        # what no one serves is not answered on the account either
        for ns in ("jabber:iq:search", "urn:xmpp:http:upload:0", "urn:xmpp:time"):
            assert not await served(c, ns, a), ns
        await close(c)
    run(go())
