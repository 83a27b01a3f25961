#!/usr/bin/env bash
# 01-stat.t: the stat command's contract: usage errors, one-shot and interval modes,
# namespaces discovered and labelled, NoPorts counted in the right namespace, JSON shape.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip
plan 14

"$DPTUNE" stat --help >/dev/null; ok $? "--help exits 0"
"$DPTUNE" stat --layer bogus >/dev/null 2>&1; is $? 2 "unknown layer is a usage error (exit 2)"
"$DPTUNE" stat -i abc >/dev/null 2>&1; is $? 2 "bad interval is a usage error"
"$DPTUNE" stat -c 3 >/dev/null 2>&1; is $? 2 "-c without -i is a usage error"
err=$("$DPTUNE" stat --netns "${P}nope" 2>&1 >/dev/null); rc=$?
is "$rc" 1 "unknown namespace fails with exit 1"
case $err in *"${P}nope"*) ok 0 "the error names the namespace";; *) ok 1 "the error names the namespace: $err";; esac

mkns a
mkns b
# A process-held namespace (like a container): unnamed, found through /proc.
unshare --net sleep 30 & bg_pid $!
sleep 0.2

out=$("$DPTUNE" stat --json --all)
echo "$out" | python3 -c '
import json,sys
d=json.loads(sys.stdin.read())
names=[n["name"] for n in d["namespaces"]]
assert "host" in names, names
assert sys.argv[1]+"a" in names and sys.argv[1]+"b" in names, names
assert any(n["source"]=="process" and n["name"].startswith("pid:") for n in d["namespaces"]), names
inodes=[n["inode"] for n in d["namespaces"]]
assert len(inodes)==len(set(inodes)), "namespaces are deduplicated by inode"
' "$P"
ok $? "named and process namespaces discovered, deduplicated, labelled"

# NoPorts: datagrams to a closed port in namespace b, counted there and nowhere else.
N=137
"$DPTUNE" stat -i 2 -c 1 --json --layer udp > "/tmp/$P.json" & spid=$!
sleep 0.5
nsx b python3 -c '
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])): s.sendto(b"x"*32,("127.0.0.1",9))' $N
wait $spid; ok $? "stat -i 2 -c 1 exits 0"
python3 - "$P" $N "/tmp/$P.json" <<'PY'
import json,sys
p,n,f=sys.argv[1],int(sys.argv[2]),sys.argv[3]
docs=[json.loads(l) for l in open(f)]
assert len(docs)==1, "one document per interval"
d=docs[0]
assert d["interval"]>1.5
rows=[r for r in d["rows"] if r["counter"]=="UdpNoPorts"]
got={r["netns"]:r["delta"] for r in rows}
assert got.get(p+"b")==n, got
assert p+"a" not in got, got
r=[r for r in rows if r["netns"]==p+"b"][0]
assert r["layer"]=="udp" and r["kind"]=="counter" and r.get("drop") is True
assert isinstance(r["value"],int) and isinstance(r["rate"],(int,float))
assert abs(r["rate"]-n/d["interval"])<1e-6*n+0.01
PY
ok $? "UdpNoPorts delta is exactly $N in ${P}b and absent from ${P}a"
rm -f "/tmp/$P.json"

# Filters.
out=$("$DPTUNE" stat --all --netns "${P}b" --layer udp)
echo "$out" | grep -q "^udp *${P}b " ; ok $? "--netns keeps the namespace's rows"
echo "$out" | grep -E "^[a-z]+ +host " >/dev/null; is $? 1 "--netns drops other namespaces' rows"
echo "$out" | grep -E "^(ip|nic|vdev) " >/dev/null; is $? 1 "--layer drops other layers"

# Text and JSON carry the same rows.
nt=$("$DPTUNE" stat --all --netns "${P}a" --layer ip,udp | grep -cE "^(ip|udp) ")
nj=$("$DPTUNE" stat --all --netns "${P}a" --layer ip,udp --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))')
is "$nt" "$nj" "text and JSON show the same number of rows ($nt)"

# Collector status: unavailable collectors say why; the rest carry on.
"$DPTUNE" stat --json | python3 -c '
import json,sys
d=json.load(sys.stdin)
for c in d["collectors"]:
    assert "name" in c and "available" in c
    if not c["available"]: assert c["reason"], c
assert any(c["name"]=="snmp" and c["available"] for c in d["collectors"])
'
ok $? "every collector reports available or a reason"
