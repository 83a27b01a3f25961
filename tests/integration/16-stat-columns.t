#!/usr/bin/env bash
# 16-stat-columns.t: Neutron-length namespace names (qrouter-<uuid>, qdhcp-<uuid>) keep the
# columns of `stat` and `stat --links` aligned, and --links names a veth's peer in another
# namespace (peer=NAME@NAMESPACE, JSON link/link_netns) instead of link=ifN link-netnsid=M.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3
[ -x "$DPTUNE" ] || skip_all "no dptune binary at $DPTUNE (run make)"

U1=$(python3 -c 'import uuid; print(uuid.uuid4())')
U2=$(python3 -c 'import uuid; print(uuid.uuid4())')
R=qrouter-$U1 D=qdhcp-$U2   # namespaces ${P}$R (50 characters) and ${P}$D
mkns "$R" || skip_all "cannot create namespaces"
mkns "$D"
ip link add ${P}qr netns "$P$R" type veth peer name ${P}tap netns "$P$D" || skip_all "no veth"
ip link add ${P}hv type veth peer name ${P}rv netns "$P$R"  # host <-> router
on_cleanup ip link del ${P}hv
ip -n "$P$R" link add ${P}br type bridge
ip -n "$P$R" link set ${P}rv master ${P}br
for d in ${P}qr ${P}rv ${P}br; do ip -n "$P$R" link set $d up; done
ip -n "$P$D" link set ${P}tap up
ip link set ${P}hv up
plan 12

# Columns: every left-aligned column starts, and every right-aligned one ends, at the
# header's offset, in every line of the table.
aligned() { # file left-headings right-headings
	python3 - "$@" <<'PY'
import sys
f, left, right = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
lines = open(f).read().split("\n")
bad, tables, i = [], 0, 0
while i < len(lines):
    h = lines[i]
    heads = left + right
    if not h.startswith(left[0] + " ") or not all((" " + w) in h for w in heads[1:]):
        i += 1
        continue
    tables += 1
    starts = [h.index(" " + w + " ") + 1 for w in left[1:]]
    ends = [h.index(" " + w) + 1 + len(w) for w in right]
    i += 1
    while i < len(lines) and lines[i] and not lines[i].startswith("#"):
        row = lines[i]
        if row != row.rstrip():
            bad.append("trailing blanks: %r" % row)
        for s in starts:  # left-aligned: the cell starts at the heading
            if not (row[s - 1] == " " and row[s:s + 1] not in ("", " ")):
                bad.append("start@%d: %r" % (s, row))
        prev = starts[-1]
        for e in ends:    # right-aligned: the cell ends at the heading, or is empty
            cell = row[prev:e]
            if cell.strip() and not (row[e - 1] != " " and row[e:e + 1] in ("", " ")):
                bad.append("end@%d: %r" % (e, row))
            prev = e
        i += 1
if not tables or bad:
    print("# %d tables; misaligned: %s" % (tables, bad[:3]))
    sys.exit(1)
PY
}
OUT=$(mktemp /tmp/$P.XXXXXX); on_cleanup rm -f "$OUT"

"$DPTUNE" stat --all --netns "$P$R" --layer vdev,ip,udp >"$OUT"; ok $? "stat --all over the long namespace runs"
grep -qE "^vdev +$P$R +${P}qr +rx_packets +[0-9]+" "$OUT"; ok $? "a row of ${P}qr in $P$R"
aligned "$OUT" "LAYER NETNS OBJECT COUNTER" "VALUE"; ok $? "rows: columns aligned with a ${#R}+6-character namespace"

"$DPTUNE" stat -i 0.3 -c 1 --all --netns "$P$R,host" --layer vdev,udp >"$OUT"; ok $? "stat -i over the long namespace runs"
aligned "$OUT" "LAYER NETNS OBJECT COUNTER" "VALUE DELTA RATE"; ok $? "interval rows: value, delta and rate columns aligned"

"$DPTUNE" stat --knobs --netns "$P$R,host" --layer vdev,softirq >"$OUT"
aligned "$OUT" "LAYER NETNS OBJECT KNOB" "VALUE"; ok $? "knob table: columns aligned"

"$DPTUNE" stat --links --netns "$P$R,$P$D,host" --layer udp >"$OUT"; ok $? "stat --links runs"
aligned "$OUT" "NETNS DEVICE KIND" "MTU TXQLEN QUEUES"; ok $? "links: columns aligned"
grep -qE "^$P$R +${P}qr +veth .* peer=${P}tap@$P$D( |\$)" "$OUT"; ok $? "--links: ${P}qr's peer is ${P}tap@$P$D"
grep -qE "^host +${P}hv +veth .* peer=${P}rv@$P$R( |\$)" "$OUT"; ok $? "--links: the host's ${P}hv's peer is ${P}rv@$P$R"
grep -qE "^$P$R +${P}rv +veth .* master=${P}br peer=${P}hv@host( |\$)" "$OUT"; ok $? "--links: ${P}rv has its bridge and its peer ${P}hv@host"

"$DPTUNE" stat --json --links --netns "$P$R,$P$D,host" --layer udp | python3 -c '
import json, sys
P, R, D = sys.argv[1:4]
d = json.load(sys.stdin)
l = {(x["netns"], x["name"]): x for x in d["links"]}
qr, tap = l[(P + R, P + "qr")], l[(P + D, P + "tap")]
assert qr["link"] == P + "tap" and qr["link_netns"] == P + D, qr
assert tap["link"] == P + "qr" and tap["link_netns"] == P + R, tap
assert qr["link_ifindex"] == tap["ifindex"] and "link_netnsid" in qr, qr
' "$P" "$R" "$D"
ok $? "--links --json: link and link_netns name the peer and its namespace"
done_testing
