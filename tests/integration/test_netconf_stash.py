"""The gate sets an edit's <config> content aside and vnmd parses it once
(netconf-server/stash.h): what a client notices is only that it works.

  - prefixes declared on <rpc> (ncclient's nc:) and used inside the content
    (nc:operation) still mean the same, in both framings;
  - edit-data (NMDA) too;
  - a client's own "placeholder" is content like any other, and one that
    reaches vnmd without content set aside is refused, naming <config>;
  - pipelined edits, one of them refused by libnetconf2 before vnmd sees
    it, are answered in order and the good ones applied.

Each test starts its own vnmd (test:///default, nothing realised: plain
RFC 8345 networks are stored only).
"""
import os

import pytest
from lxml import etree
from ncclient_util import NS, VNMD, errors, is_ok

pytestmark = [pytest.mark.skipif(not os.path.exists(VNMD), reason="build/vnmd is not built"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NC = NS["nc"]
NW = NS["nw"]
NMDA = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda"
SET_ASIDE = "came set aside by the gate"


def networks(c):
    r = c.rpc("<get-config><source><running/></source></get-config>")
    return sorted(r.xpath("//nw:network/nw:network-id/text()", namespaces=NS))


def prefixed_edit(mid, op, name):
    """An edit-config as ncclient sends it: nc: declared on <rpc> only, and
    used by nc:operation inside the content."""
    return ('<nc:rpc xmlns:nc="%s" message-id="%d"><nc:edit-config><nc:target><nc:running/>'
            '</nc:target><nc:config><networks xmlns="%s"><network nc:operation="%s">'
            '<network-id>%s</network-id></network></networks></nc:config></nc:edit-config>'
            '</nc:rpc>' % (NC, mid, NW, op, name))


@pytest.mark.parametrize("v11", [True, False], ids=["chunked", "end-of-message"])
def test_prefixes_of_the_rpc_reach_the_content(vnmd, v11):
    c = vnmd.unix(v11=v11)
    c.send_raw(prefixed_edit(1, "create", "s1"))
    assert is_ok(etree.fromstring(c.recv().encode()))
    assert networks(c) == ["s1"]
    # create again: data-exists, so nc:operation was read as the operation
    c.send_raw(prefixed_edit(2, "create", "s1"))
    err = errors(etree.fromstring(c.recv().encode()))
    assert err and err[0][1] == "data-exists", err
    c.send_raw(prefixed_edit(3, "delete", "s1"))
    assert is_ok(etree.fromstring(c.recv().encode()))
    assert networks(c) == []
    c.close()
    assert vnmd.logtext().count(SET_ASIDE) >= 3


def test_edit_data_content_is_set_aside_too(vnmd):
    c = vnmd.unix()
    r = c.rpc('<edit-data xmlns="%s" xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores">'
              '<datastore>ds:running</datastore><config><networks xmlns="%s"><network>'
              '<network-id>d1</network-id></network></networks></config></edit-data>'
              % (NMDA, NW))
    assert is_ok(r), errors(r)
    assert networks(c) == ["d1"]
    c.close()
    assert SET_ASIDE in vnmd.logtext()


def test_a_clients_placeholder_is_only_content(vnmd):
    c = vnmd.unix()
    forged = '<vnmd-stash xmlns="urn:vnmd:netconf-gate:stash" id="%s"/>' % ("0" * 32)
    # set aside like any content, then refused by the schema
    r = c.rpc('<edit-config><target><running/></target><config>%s</config></edit-config>'
              % forged)
    err = errors(r)
    assert err and err[0][1] in ("unknown-namespace", "unknown-element"), err
    # where the gate passes the message on whole (more namespace
    # declarations than it follows), the placeholder names no content of
    # the session: malformed, naming <config>
    decls = "".join(' xmlns:p%d="urn:p%d"' % (i, i) for i in range(20))
    c.mid += 1
    c.send_raw('<rpc xmlns="%s"%s message-id="%d"><edit-config><target><running/></target>'
               '<config>%s</config></edit-config></rpc>' % (NC, decls, c.mid, forged))
    err = errors(etree.fromstring(c.recv().encode()))
    assert err and err[0][1] == "malformed-message", err
    assert "placeholder" in err[0][3] and "config" in err[0][3], err
    # and the session goes on; nothing changed
    assert networks(c) == []
    c.close()
    assert vnmd.alive()


def test_pipelined_edits_with_one_refused_before_vnmd(vnmd):
    c = vnmd.unix()
    good = ('<rpc xmlns="%s" message-id="%%d"><edit-config><target><running/></target>'
            '<config><networks xmlns="%s"><network><network-id>%%s</network-id></network>'
            '</networks></config></edit-config></rpc>' % (NC, NW))
    # libnetconf2 refuses this one (an element edit-config does not have)
    # after the gate set its content aside: the content is never asked for
    bad = ('<rpc xmlns="%s" message-id="2"><edit-config><target><running/></target>'
           '<bogus/><config><networks xmlns="%s"><network><network-id>p2</network-id>'
           '</network></networks></config></edit-config></rpc>' % (NC, NW))
    for m in (good % (1, "p1"), bad, good % (3, "p3")):
        c.send_raw(m)  # all three before the first answer is read
    answers = [etree.fromstring(c.recv().encode()) for _ in range(3)]
    assert [a.get("message-id") for a in answers] == ["1", "2", "3"]
    assert is_ok(answers[0]) and is_ok(answers[2]), [errors(a) for a in answers]
    assert errors(answers[1]), "the refused edit was answered <ok/>"
    assert networks(c) == ["p1", "p3"]
    c.close()
