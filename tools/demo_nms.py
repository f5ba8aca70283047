#!/usr/bin/python3
"""demo_nms.py - the network management system of `make demo` (tools/demo.sh).

It does what an NMS does, and nothing else: it edits the configuration over
NETCONF (ncclient over SSH), reads operational state with <get>, and polls
the VLs' HC octet counters over SNMP (snmpget against the snmpd master that
vnmd serves VNMD-MIB through).  It never logs into a router.

  demo_nms.py [NETCONF OPTIONS] edit FILE              edit-config (merge) of a <config> file
  demo_nms.py [NETCONF OPTIONS] guarantee VN VL BPS    set the VL's guaranteed-rate
  demo_nms.py [NETCONF OPTIONS] unguarantee VN VL      remove it
  demo_nms.py [NETCONF OPTIONS] limit VN VL BPS        set the VL's rate-limit
  demo_nms.py [NETCONF OPTIONS] routers                one line per VR: VN VR DOMAIN-ID OPER-STATE UUID
  demo_nms.py [NETCONF OPTIONS] taps                   one line per vNIC: VN VR VNIC HOST-INTERFACE
  demo_nms.py [NETCONF OPTIONS] remove NETWORK...      remove whole networks (clean-up)
  demo_nms.py poll --agent HOST:PORT --out CSV --stop FILE VN/VL...
                     every second: the VLs' vnmLinkHCOutOctets/HCInOctets -> CSV
  demo_nms.py report --csv CSV --phases FILE --iperf VN/VL=JSON... --out DIR
                     the table per phase (SNMP and iperf3), and the plot

NETCONF OPTIONS: --port P (127.0.0.1), --user U, --key PRIVATE-KEY.
"""
import argparse
import json
import os
import subprocess
import sys
import time

NS_NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NS_NW = "urn:ietf:params:xml:ns:yang:ietf-network"
NS_NT = "urn:ietf:params:xml:ns:yang:ietf-network-topology"
NS_VNM = "urn:vnmd:yang:vnmd"
NSMAP = {"nc": NS_NC, "nw": NS_NW, "nt": NS_NT, "vnm": NS_VNM}

# VNMD-MIB::vnmLinkEntry (numeric: the demo loads no MIB files)
LINK_ENTRY = ".1.3.6.1.4.1.8072.9999.9999.7.1.4.2.1"
COL_NAME, COL_IN, COL_OUT = 2, 12, 13
NET_NAME = ".1.3.6.1.4.1.8072.9999.9999.7.1.2.2.1.2"  # vnmNetworkName

# What the paper reports (Figure 6 and its text) and what the demo expects.
PAPER = {
    "equal": ("16", "16", "16 / 16 (Fig. 6)"),
    "guarantee": ("30", "2", "~30 / ~2 (Fig. 6)"),
    "removed": ("16", "16", "16 / 16"),
    "limit": ("8", "23", "~8 / ~23 ('inverted')"),
}
PHASE_TEXT = {
    "equal": "equal share",
    "guarantee": "vl-a guaranteed 30 Mbit/s",
    "removed": "guarantee removed",
    "limit": "vl-a limited to 8 Mbit/s",
}


# ---------------------------------------------------------------- NETCONF

def connect(a):
    from ncclient import manager
    return manager.connect(host="127.0.0.1", port=a.port, username=a.user,
                           key_filename=a.key, hostkey_verify=False, allow_agent=False,
                           look_for_keys=False, timeout=120)


def vl_edit(vn, vl, inner):
    return ('<config xmlns="%s" xmlns:nc="%s"><networks xmlns="%s" xmlns:nt="%s" xmlns:vnm="%s">'
            "<network><network-id>%s</network-id><nt:link><nt:link-id>%s</nt:link-id>"
            "<vnm:virtual-link>%s</vnm:virtual-link></nt:link></network></networks></config>"
            % (NS_NC, NS_NC, NS_NW, NS_NT, NS_VNM, vn, vl, inner))


def netconf(a):
    from lxml import etree
    with connect(a) as m:
        m.raise_mode = 1  # RaiseMode.ALL: an rpc-error raises
        if a.cmd == "edit":
            tree = etree.parse(a.file)
            m.edit_config(target="running", config=tree.getroot())
        elif a.cmd == "guarantee":
            m.edit_config(target="running", config=vl_edit(
                a.vn, a.vl, "<vnm:guaranteed-rate>%d</vnm:guaranteed-rate>" % a.bps))
        elif a.cmd == "unguarantee":
            m.edit_config(target="running", config=vl_edit(
                a.vn, a.vl, '<vnm:guaranteed-rate nc:operation="remove"/>'))
        elif a.cmd == "limit":
            m.edit_config(target="running", config=vl_edit(
                a.vn, a.vl, "<vnm:rate-limit>%d</vnm:rate-limit>" % a.bps))
        elif a.cmd == "remove":
            nets = "".join('<network nc:operation="remove"><network-id>%s</network-id></network>'
                           % n for n in a.networks)
            m.edit_config(target="running", config=(
                '<config xmlns="%s" xmlns:nc="%s"><networks xmlns="%s">%s</networks></config>'
                % (NS_NC, NS_NC, NS_NW, nets)))
        elif a.cmd in ("routers", "taps"):
            flt = ('<networks xmlns="%s"/>' % NS_NW)
            t = etree.fromstring(m.get(filter=("subtree", flt)).data_xml.encode())
            for net in t.xpath("//nw:network", namespaces=NSMAP):
                vn = net.findtext("nw:network-id", namespaces=NSMAP)
                for node in net.xpath("nw:node[vnm:router]", namespaces=NSMAP):
                    vr = node.findtext("nw:node-id", namespaces=NSMAP)
                    r = node.find("vnm:router", NSMAP)
                    if a.cmd == "routers":
                        print(vn, vr, r.findtext("vnm:domain-id", "-", NSMAP),
                              r.findtext("vnm:oper-state", "-", NSMAP),
                              r.findtext("vnm:uuid", "-", NSMAP))
                        continue
                    for tp in node.xpath("nt:termination-point", namespaces=NSMAP):
                        print(vn, vr, tp.findtext("nt:tp-id", namespaces=NSMAP),
                              tp.findtext("vnm:vnic/vnm:host-interface", "-", NSMAP))


# ---------------------------------------------------------------- SNMP

def snmp(tool, agent, *oids):
    r = subprocess.run([tool, "-v2c", "-c", "public", "-t", "1", "-r", "1", "-On", "-Oq",
                        "-m", "", "-M", "/nonexistent", agent] + list(oids),
                       capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        if " " in line:
            k, v = line.split(" ", 1)
            out[k] = v.strip().strip('"')
    return out


def link_index(agent, wanted):
    """{"vn/vl": "NETIDX.LINKIDX"} from vnmNetworkName and vnmLinkName."""
    nets = {k.rsplit(".", 1)[1]: v for k, v in snmp("snmpwalk", agent, NET_NAME).items()}
    col = "%s.%d." % (LINK_ENTRY, COL_NAME)
    out = {}
    for k, v in snmp("snmpwalk", agent, LINK_ENTRY + ".%d" % COL_NAME).items():
        idx = k[len(col):]
        name = "%s/%s" % (nets.get(idx.split(".")[0], "?"), v)
        if name in wanted:
            out[name] = idx
    return out


def poll(a):
    idx = {}
    deadline = time.time() + 60
    while len(idx) < len(a.vls):
        idx = link_index(a.agent, a.vls)
        if time.time() > deadline:
            sys.exit("poll: VNMD-MIB never showed the links %s (found %s)"
                     % (" ".join(a.vls), idx))
        if len(idx) < len(a.vls):
            time.sleep(0.5)
    oids = []
    for vl in a.vls:
        oids += ["%s.%d.%s" % (LINK_ENTRY, COL_OUT, idx[vl]), "%s.%d.%s" % (LINK_ENTRY, COL_IN, idx[vl])]
    with open(a.out, "w", buffering=1) as f:
        short = [v.split("/")[-1] for v in a.vls]
        f.write("time," + ",".join("%s_out_octets,%s_in_octets" % (v, v) for v in short) + "\n")
        nxt = time.time()
        while not os.path.exists(a.stop):
            vals = snmp("snmpget", a.agent, *oids)
            now = time.time()
            if len(vals) == len(oids) and all(vals[o].isdigit() for o in oids):
                f.write("%.3f,%s\n" % (now, ",".join(vals[o] for o in oids)))
            nxt += a.interval
            if nxt < time.time():  # the agent did not answer for a while
                nxt = time.time() + a.interval
            time.sleep(max(0.0, nxt - time.time()))


# ---------------------------------------------------------------- report

def read_csv(path):
    rows = []
    with open(path) as f:
        head = f.readline().strip().split(",")
        for line in f:
            p = line.strip().split(",")
            try:
                if len(p) == len(head):
                    rows.append(dict(zip(head, (float(x) for x in p))))
            except ValueError:
                pass  # e.g. noSuchObject while the subagent reconnected
    return head, rows


def rates(rows, vls, col):
    """[(t, {vl: Mbit/s})] from consecutive samples of one counter column
    ("in" or "out")."""
    out = []
    # vnmd refreshes its counters about once a second, but it has been seen
    # to stall for many seconds; a sample with every counter unchanged
    # (there is always traffic in the demo) is a stale one: keep only the
    # first sample of each value, and leave gaps out
    fresh = [r for i, r in enumerate(rows)
             if i == 0 or any(r[k] != rows[i - 1][k] for k in r if k != "time")]
    rows = fresh
    for r0, r1 in zip(rows, rows[1:]):
        dt = r1["time"] - r0["time"]
        if dt <= 0.5 or dt > 2.5:
            continue  # a gap: no fresh counters (agent or vnmd stalled)
        out.append(((r0["time"] + r1["time"]) / 2,
                    {v: (r1["%s_%s_octets" % (v, col)] - r0["%s_%s_octets" % (v, col)]) * 8 / dt / 1e6 for v in vls}))
    return out


def iperf_series(spec):
    """[(t_start, t_end, Mbit/s)] of an iperf3 -J result, from "PATH[@EPOCH]":
    EPOCH is when the client was launched (iperf3's own timestamp has whole
    seconds only)."""
    path, _, launched = spec.partition("@")
    try:
        d = json.load(open(path))
    except (OSError, ValueError):
        return []
    t0 = float(launched) if launched else d.get("start", {}).get("timestamp", {}).get("timesecs")
    if t0 is None:
        return []
    return [(t0 + i["sum"]["start"], t0 + i["sum"]["end"], i["sum"]["bits_per_second"] / 1e6)
            for i in d.get("intervals", [])]


def window(series, t0, t1):
    """Values of the samples (start, end, value) lying wholly in [t0, t1]."""
    return [x for a, b, x in series if t0 <= a and b <= t1 + 0.05]


def mean_in(series, t0, t1):
    v = window(series, t0, t1)
    return sum(v) / len(v) if v else float("nan")


def median_in(series, t0, t1):
    v = sorted(window(series, t0, t1))
    if not v:
        return float("nan")
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def report(a):
    phases, sent = [], {}
    for line in open(a.phases):
        p = line.split()
        if len(p) >= 2:
            phases.append((p[0], float(p[1])))
        if len(p) >= 3:
            sent[p[0]] = float(p[2])  # when the edit that starts it was sent
    end = phases[-1][1] if phases and phases[-1][0] == "end" else time.time()
    phases = [p for p in phases if p[0] != "end"]
    vls = [kv.split("=", 1)[0] for kv in a.iperf]
    ip = {kv.split("=", 1)[0]: iperf_series(kv.split("=", 1)[1]) for kv in a.iperf}
    head, rows = read_csv(a.csv)
    sr = rates(rows, vls, a.counter)
    t_zero = phases[0][1] if phases else (rows[0]["time"] if rows else 0)

    # Time series for the plot: t since traffic start, SNMP per VL.  vnmd
    # refreshes its counters about once a second (core snapshot, subagent
    # cache), so one-second deltas jitter; the plot shows them averaged over
    # a.smooth samples (the raw ones are in the CSV too).
    with open(os.path.join(a.out, "throughput.csv"), "w") as f:
        f.write("t_s,phase," + ",".join("%s_snmp_mbps" % v for v in vls) + ","
                + ",".join("%s_snmp_1s_mbps" % v for v in vls) + "\n")
        h = a.smooth // 2
        for i, (t, r) in enumerate(sr):
            ph = [n for n, s in phases if s <= t]
            # neighbours only, never across a gap (a blank line breaks the plot's line)
            win = [x for x in sr[max(0, i - h):i + h + 1] if abs(x[0] - t) <= h * 1.5 + 0.5]
            avg = [sum(x[1][v] for x in win) / len(win) for v in vls]
            if i and t - sr[i - 1][0] > 2.5:
                f.write("\n")
            f.write("%.2f,%s,%s,%s\n" % (t - t_zero, ph[-1] if ph else "boot",
                                         ",".join("%.3f" % x for x in avg),
                                         ",".join("%.3f" % r[v] for v in vls)))
    with open(os.path.join(a.out, "iperf3.csv"), "w") as f:
        f.write("t_s," + ",".join("%s_iperf3_mbps" % v for v in vls) + "\n")
        n = min(len(ip[v]) for v in vls) if vls else 0
        for i in range(n):
            f.write("%.2f,%s\n" % ((ip[vls[0]][i][0] + ip[vls[0]][i][1]) / 2 - t_zero,
                                   ",".join("%.3f" % ip[v][i][2] for v in vls)))

    # table: skip the first a.settle seconds of each phase
    lines = []
    hdr = "%-28s %16s %16s %16s   %s" % ("phase", "SNMP a / b", "iperf3 a / b", "(iperf3 mean)",
                                          "paper / expected")
    lines.append(hdr)
    lines.append("-" * len(hdr))
    result = {}
    for i, (name, start) in enumerate(phases):
        # a phase ends when the next edit is sent (its reply, the next
        # phase's start, may come seconds later)
        if i + 1 < len(phases):
            stop = sent.get(phases[i + 1][0], phases[i + 1][1] - 1.0)
        else:
            stop = end
        w0 = start + a.settle
        s = [median_in([(t - .5, t + .5, r[v]) for t, r in sr], w0, stop) for v in vls]
        g = [mean_in(ip[v], w0, stop) for v in vls]
        md = [median_in(ip[v], w0, stop) for v in vls]
        result[name] = {"snmp": s, "iperf3": g, "iperf3_median": md,
                        "from_s": w0 - t_zero, "to_s": stop - t_zero}
        def pair(x):
            return "   n/a (no data)" if x[0] != x[0] or x[1] != x[1] else \
                "%7.1f / %-6.1f" % (x[0], x[1])
        lines.append("%-28s %s %s %s   %s" % (PHASE_TEXT.get(name, name), pair(s), pair(md),
                                             pair(g), PAPER.get(name, ("", "", ""))[2]))
    lines.append("Mbit/s, each phase without its first %d s; medians of one-second values\n"
                 "(a busy machine sometimes stalls a TCG router, or vnmd's counters, for a\n"
                 "few seconds), and iperf3's mean.  SNMP: the VL's own frames, from\n"
                 "vnmLinkHC%sOctets polled every second (samples where no counter moved\n"
                 "are stale ones and left out).  iperf3: TCP goodput, at most 1448/1514 of\n"
                 "the frames."
                 % (a.settle, a.counter.capitalize()))
    if "FAST" in a.variant:
        lines.insert(0, "*** %s ***\n" % a.variant)
    text = "\n".join(lines)
    open(os.path.join(a.out, "table.txt"), "w").write(text + "\n")
    json.dump(result, open(os.path.join(a.out, "phases.json"), "w"), indent=1)
    print(text)

    # the plot
    b = [s - t_zero for _, s in phases] + [end - t_zero]
    gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
    ev = ("csv='%s'; ipf='%s'; png='%s'; variant='%s'; tend=%.1f; nph=%d; "
          % (os.path.join(a.out, "throughput.csv"), os.path.join(a.out, "iperf3.csv"),
             os.path.join(a.out, "figure6.png"), a.variant, b[-1], len(phases)))
    for i, (name, _) in enumerate(phases):
        ev += "pt%d=%.1f; pn%d='%s'; " % (i + 1, b[i], i + 1, PHASE_TEXT.get(name, name))
    r = subprocess.run(["gnuplot", "-e", ev, gp], capture_output=True, text=True)
    if r.returncode != 0:
        print("plot: gnuplot failed: %s" % r.stderr.strip(), file=sys.stderr)
    if a.check:
        ok = True
        g, e, rm = result.get("guarantee"), result.get("equal"), result.get("removed")
        lim = result.get("limit")
        for r in (g, e, rm, lim):
            if r:
                r["iperf3"] = r["iperf3_median"]

        def near(x, want, tol):
            return abs(x - want) <= want * tol

        checks = []
        if e:
            checks.append(("equal share within 20%% of 16/16 (iperf3 median %.1f/%.1f)" % tuple(e["iperf3"]),
                           near(e["iperf3"][0], 16, .2) and near(e["iperf3"][1], 16, .2)))
        if g:
            checks.append(("guarantee: vl-a >= 28, vl-b <= 4 (iperf3 median %.1f/%.1f)" % tuple(g["iperf3"]),
                           g["iperf3"][0] >= 28 and g["iperf3"][1] <= 4))
        if rm:
            checks.append(("removed: back to about equal (iperf3 median %.1f/%.1f)" % tuple(rm["iperf3"]),
                           near(rm["iperf3"][0], 16, .2) and near(rm["iperf3"][1], 16, .2)))
        if lim:
            # 8 Mbit/s of VL frames is 7.65 of TCP goodput; vl-b takes the rest
            checks.append(("limit: vl-a about 8, vl-b more than an equal share (iperf3 median %.1f/%.1f)"
                           % tuple(lim["iperf3"]),
                           near(lim["iperf3"][0] * 1514 / 1448, 8, .15) and lim["iperf3"][1] >= 16))
        for txt, good in checks:
            print("  %s %s" % ("ok  " if good else "FAIL", txt))
            ok = ok and good
        sys.exit(0 if ok else 3)


def main():
    p = argparse.ArgumentParser(description="the NMS side of make demo")
    p.add_argument("--port", type=int, default=830)
    p.add_argument("--user", default="admin")
    p.add_argument("--key")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("edit")
    s.add_argument("file")
    for c in ("guarantee", "limit"):
        s = sub.add_parser(c)
        s.add_argument("vn")
        s.add_argument("vl")
        s.add_argument("bps", type=int)
    s = sub.add_parser("unguarantee")
    s.add_argument("vn")
    s.add_argument("vl")
    sub.add_parser("routers")
    sub.add_parser("taps")
    s = sub.add_parser("remove")
    s.add_argument("networks", nargs="+")
    s = sub.add_parser("poll")
    s.add_argument("--agent", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--stop", required=True)
    s.add_argument("--interval", type=float, default=1.0)
    s.add_argument("vls", nargs="+")
    s = sub.add_parser("report")
    s.add_argument("--csv", required=True)
    s.add_argument("--phases", required=True)
    s.add_argument("--iperf", nargs="+", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--settle", type=int, default=5)
    s.add_argument("--smooth", type=int, default=3)
    s.add_argument("--variant", default="")
    s.add_argument("--check", action="store_true")
    s.add_argument("--counter", choices=("in", "out"), default="in",
                   help="vnmLinkHCInOctets (traffic towards the VL's source router) or Out")
    a = p.parse_args()
    if a.cmd == "poll":
        poll(a)
    elif a.cmd == "report":
        report(a)
    else:
        netconf(a)


if __name__ == "__main__":
    main()
