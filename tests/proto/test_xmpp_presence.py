"""Rosters, subscriptions and presence visibility (live irisd, slixmpp).

The visibility matrix of P-PRE-2: members of one tenant see each other
without subscribing (their roster lists each other in a group named after
the tenant); users who accepted each other see each other; strangers (other
tenants, freemium users without an accepted subscription) see nothing, not
even through probes."""
import asyncio

from conftest import close, connect, run, server_ack, until


def shows(client, bare):
    return [p["show"] or "available" for p in client.seen_from(bare)
            if p["type"] != "unavailable" and p["type"] in ("available", "", "away", "chat",
                                                             "dnd", "xa")]


# P-PRE-2: same tenant sees, other tenant and freemium strangers do not.
def test_visibility_matrix(xiris):
    tid, admin = xiris.tenant()
    a, apw = xiris.member(tid, admin, "a")
    b, bpw = xiris.member(tid, admin, "b")
    tid2, admin2 = xiris.tenant()
    c, cpw = xiris.member(tid2, admin2, "c")
    f, fpw = xiris.freemium("f")

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        cc = await connect(xiris, c, cpw)
        cf = await connect(xiris, f, fpw)
        assert await until(lambda: cb.seen_from(a) and ca.seen_from(b))
        # same tenant: in each other's roster, group named after the tenant
        assert b in ca.client_roster and ca.client_roster[b]["subscription"] == "both"
        assert len(ca.client_roster[b]["groups"]) == 1
        # strangers probe and get nothing
        for stranger in (cc, cf):
            stranger.send_presence(pto=a, ptype="probe")
        await server_ack(cc)
        await server_ack(cf)
        ca.send_presence(pshow="away")
        assert await until(lambda: "away" in shows(cb, a))
        await asyncio.sleep(0.3)
        for stranger in (cc, cf):
            assert not stranger.seen_from(a) and a not in stranger.client_roster
        assert not ca.seen_from(c) and not ca.seen_from(f)
        assert c not in ca.client_roster and f not in ca.client_roster
        await close(ca, cb, cc, cf)
    run(go())


# P-PRE-2, RFC 6121 §3: freemium users see each other once both accepted;
# roster pushes carry the subscription states; a stranger still sees nothing.
def test_accepted_contacts_see_each_other(xiris):
    f, fpw = xiris.freemium("f")
    g, gpw = xiris.freemium("g")
    h, hpw = xiris.freemium("h")

    async def go():
        cf = await connect(xiris, f, fpw)
        cg = await connect(xiris, g, gpw)
        ch = await connect(xiris, h, hpw)
        cf.send_presence(pto=g, ptype="subscribe")
        assert await until(lambda: ("presence_subscribe", f) in cg.subscriptions)
        assert await until(lambda: g in cf.client_roster and
                           cf.client_roster[g]["pending_out"])
        cg.send_presence(pto=f, ptype="subscribed")  # g accepts: f sees g
        assert await until(lambda: cf.client_roster[g]["subscription"] == "to")
        assert await until(lambda: cf.seen_from(g))
        cg.send_presence(pto=f, ptype="subscribe")
        assert await until(lambda: ("presence_subscribe", g) in cf.subscriptions)
        cf.send_presence(pto=g, ptype="subscribed")
        assert await until(lambda: cf.client_roster[g]["subscription"] == "both" and
                           cg.client_roster[f]["subscription"] == "both")
        assert await until(lambda: cg.seen_from(f))
        cf.send_presence(pshow="dnd")
        assert await until(lambda: "dnd" in shows(cg, f))
        await server_ack(ch)
        assert not ch.seen_from(f) and not ch.seen_from(g)
        # f cancels g's subscription: g loses it and is told f is unavailable
        cf.send_presence(pto=g, ptype="unsubscribed")
        assert await until(lambda: cg.client_roster[f]["subscription"] == "from")
        assert await until(lambda: cf.client_roster[g]["subscription"] == "to")
        assert await until(lambda: any(p["type"] == "unavailable" for p in cg.seen_from(f)))
        await close(cf, cg, ch)
    run(go())


# RFC 6121 §3.4: pre-approval: the later request is accepted at once.
def test_pre_approval(xiris):
    f, fpw = xiris.freemium("pa")
    g, gpw = xiris.freemium("pb")

    async def go():
        cf = await connect(xiris, f, fpw)
        cg = await connect(xiris, g, gpw)
        cg.send_presence(pto=f, ptype="subscribed")  # g pre-approves f
        await server_ack(cg)
        cf.send_presence(pto=g, ptype="subscribe")
        assert await until(lambda: ("presence_subscribed", g) in cf.subscriptions)
        assert await until(lambda: cf.client_roster[g]["subscription"] == "to")
        assert ("presence_subscribe", f) not in cg.subscriptions
        assert await until(lambda: cf.seen_from(g))
        await close(cf, cg)
    run(go())


# RFC 6121 §2: roster set with name and group, then removal, with pushes.
def test_roster_set_and_remove(xiris):
    f, fpw = xiris.freemium("ra")
    g, _ = xiris.freemium("rb")

    async def go():
        cf = await connect(xiris, f, fpw)
        await cf.update_roster(g, name="Gee", groups=["Friends"])
        assert await until(lambda: g in cf.client_roster and
                           cf.client_roster[g]["name"] == "Gee")
        roster = await cf.get_roster()
        items = roster["roster"]["items"]
        assert items[g]["name"] == "Gee" and items[g]["groups"] == ["Friends"]
        await cf.del_roster_item(g)
        roster = await cf.get_roster()
        assert g not in roster["roster"]["items"]
        await close(cf)
    run(go())


# P-PRE-1: the states online, away, dnd, xa (out of office) reach the viewers,
# and unavailable on disconnect.
def test_presence_states(xiris):
    tid, admin = xiris.tenant()
    a, apw = xiris.member(tid, admin, "sa")
    b, bpw = xiris.member(tid, admin, "sb")

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        assert await until(lambda: "available" in shows(cb, a))
        for show in ("away", "dnd", "xa", "chat"):
            ca.send_presence(pshow=show)
            assert await until(lambda: show in shows(cb, a)), show
        await close(ca)
        assert await until(lambda: any(p["type"] == "unavailable" for p in cb.seen_from(a)))
        await close(cb)
    run(go())


# Bad input (issue 3): a presence flood is cut to the allowed rate with
# <policy-violation/> errors; the session and its viewers carry on.
def test_presence_flood_limited(xiris):
    tid, admin = xiris.tenant()
    a, apw = xiris.member(tid, admin, "fa")
    b, bpw = xiris.member(tid, admin, "fb")

    async def go():
        ca = await connect(xiris, a, apw)
        cb = await connect(xiris, b, bpw)
        errors = []
        ca.add_event_handler("presence_error", lambda p: errors.append(str(p)))
        before = len(cb.seen_from(a))
        for i in range(200):
            ca.send_presence(pstatus="flood %d" % i)
        await server_ack(ca)
        assert await until(lambda: len(errors) >= 100)
        # (slixmpp 1.8 does not know RFC 6120's policy-violation condition)
        assert all("<policy-violation" in e and 'type="wait"' in e for e in errors)
        await asyncio.sleep(0.3)
        got = len(cb.seen_from(a)) - before
        assert 0 < got <= 40, got
        await server_ack(ca)  # still connected
        await close(ca, cb)
    run(go())
