#!/usr/bin/env bash
# 01-stat.t: the stat command's contract: usage errors, one-shot and interval modes,
# namespaces discovered and labelled, NoPorts counted in the right namespace, JSON shape.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip
plan 45

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
unshare --net sleep 30 & UPID=$!; bg_pid $UPID
# until unshare has made the namespace and exec'd sleep (a fixed 0.2 s was not always enough)
for i in $(seq 100); do
	[ "$(readlink /proc/$UPID/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] &&
		[ "$(cat /proc/$UPID/comm 2>/dev/null)" = sleep ] && break
	sleep 0.1
done

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
# The datagrams are sent once the first interval is out (so after the first snapshot,
# however slow the loaded machine is to start), and the deltas summed over the intervals
# that follow (the sends may straddle two).
N=137
"$DPTUNE" stat -i 1 -c 5 --json --layer udp > "/tmp/$P.json" & spid=$!
for i in $(seq 100); do [ -s "/tmp/$P.json" ] && break; sleep 0.1; done
[ -s "/tmp/$P.json" ] || diag "no interval printed within 10 s: the machine is too loaded"
nsx b python3 -c '
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])): s.sendto(b"x"*32,("127.0.0.1",9))' $N
wait $spid; ok $? "stat -i 1 -c 5 exits 0"
python3 - "$P" $N "/tmp/$P.json" <<'PY'
import json,sys
p,n,f=sys.argv[1],int(sys.argv[2]),sys.argv[3]
docs=[json.loads(l) for l in open(f)]
assert len(docs)==5, "one document per interval: %d" % len(docs)
assert [d["seq"] for d in docs]==[1,2,3,4,5] and all(d["interval"]>0 for d in docs)
rows=[(d,r) for d in docs for r in d["rows"] if r["counter"]=="UdpNoPorts"]
got={}
for d,r in rows:
    got[r["netns"]]=got.get(r["netns"],0)+r["delta"]
if got.get(p+"b")!=n:
    print("# UdpNoPorts deltas in %sb sum to %s, not %d (sent after interval 1 was printed: "
          "did the 4 intervals that followed miss them?)" % (p, got.get(p+"b"), n))
    sys.exit(1)
assert p+"a" not in got, got
for d,r in rows:
    if r["netns"]!=p+"b": continue
    assert r["layer"]=="udp" and r["kind"]=="counter" and r.get("drop") is True
    assert isinstance(r["value"],int) and isinstance(r["rate"],(int,float))
    assert abs(r["rate"]-r["delta"]/d["interval"])<1e-6*n+0.01
PY
ok $? "UdpNoPorts delta is exactly $N in ${P}b and absent from ${P}a"
rm -f "/tmp/$P.json"

# stat -- CMD: counted before the command starts and after it exits (however long the
# first snapshot takes), one interval; the command's stdout goes to stderr.
"$DPTUNE" stat -i 1 -- true >/dev/null 2>&1; is $? 2 "-- CMD with -i is a usage error"
"$DPTUNE" stat -- >/dev/null 2>&1; is $? 2 "-- without a command is a usage error"
out=$("$DPTUNE" stat --json --no-netns -- /nonexistent/cmd 2>/dev/null); rc=$?
is "$rc:$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["exit"])')" "1:1" \
	"a command that cannot run: exit 1, a JSON error"
"$DPTUNE" stat --json --netns "${P}b" --layer udp -- ip netns exec "${P}b" python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(19): s.sendto(b"x",("127.0.0.1",9))
print("sent 19")
raise SystemExit(3)' > "/tmp/$P.json" 2>"/tmp/$P.err"; rc=$?
python3 - "$P" "/tmp/$P.json" <<'PY'
import json,sys
p,f=sys.argv[1],sys.argv[2]
docs=[json.loads(l) for l in open(f)]
assert len(docs)==2 and docs[0]["seq"]==1 and docs[0]["interval"]>0, docs
got=sum(r["delta"] for r in docs[0]["rows"] if r["netns"]==p+"b" and r["counter"]=="UdpNoPorts")
assert got==19, "UdpNoPorts in %sb: %s, not 19" % (p, got)
assert docs[1]["error"]["exit"]==1 and "exited 3" in docs[1]["error"]["message"], docs[1]
PY
ok $? "-- CMD: exactly its 19 UdpNoPorts in one interval, then its failure (exit 3) as the error" ||
	{ diag "stdout: $(cat "/tmp/$P.json" | cut -c1-600)"; diag "stderr: $(cat "/tmp/$P.err")"; }
grep -q "^sent 19$" "/tmp/$P.err"; ok $? "-- CMD: the command's stdout is on stderr, not in the JSON"
is "$rc" 1 "-- CMD that exits 3: stat exits 1 after printing its counts"
rm -f "/tmp/$P.json" "/tmp/$P.err"

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

# Options are honoured or refused at parse time (exit 2, naming the option and why).
usage() { # description args...: exit 2 and the message names the first option
	local d=$1; shift
	err=$(timeout 10 "$DPTUNE" stat "$@" 2>&1 >/dev/null); rc=$? # bounded: accepted, -i runs on
	is "$rc" 2 "$d (exit 2)"
}
usage "--proc-root that does not exist is refused" --proc-root "/nonexistent/$P"
case $err in *"--proc-root"*"No such file"*) ok 0 "the error names --proc-root and why";;
	*) ok 1 "the error names --proc-root and why: $err";; esac
usage "--sys-root that does not exist is refused" --sys-root "/nonexistent/$P"
usage "--ovs-rundir that does not exist is refused" --ovs-rundir "/run:/nonexistent/$P"
usage "-c and --duration together are refused" -i 0.5 -c 2 --duration 1
usage "--duration without -i is refused" --duration 1
usage "an unknown collector is refused" --collectors snmp,bogus
usage "--drop-reasons cannot read recorded files" --drop-reasons --proc-root /proc
usage "-i below its range is refused" -i 1ms
case $err in *"10ms..3600 s"*) ok 0 "the error gives the valid range";;
	*) ok 1 "the error gives the valid range: $err";; esac

# A filter that matches nothing says so (exit 1), never an empty success.
err=$("$DPTUNE" stat --dev "${P}nope" 2>&1 >/dev/null); rc=$?
is "$rc" 1 "--dev naming no device fails with exit 1"
case $err in *"no device named '${P}nope' in any namespace (see dptune stat --links)"*) ok 0 "the error names the device and where to look";;
	*) ok 1 "the error names the device and where to look: $err";; esac
err=$("$DPTUNE" stat --dev "lo,${P}nope" --netns "${P}a" 2>&1 >/dev/null); rc=$?
is "$rc" 1 "--dev with one unknown device in a list fails"
case $err in *"'${P}nope' in namespace '${P}a'"*) ok 0 "the error names the device and the namespace";;
	*) ok 1 "the error names the device and the namespace: $err";; esac
"$DPTUNE" stat --all --dev lo --netns "${P}a,${P}b" --layer vdev | grep -cE "^vdev +${P}[ab] +lo " >"/tmp/$P.n"
is "$(cat "/tmp/$P.n")" "$(( 2 * $("$DPTUNE" stat --all --dev lo --netns "${P}a" --layer vdev | grep -cE "^vdev +${P}a +lo ") ))" \
	"--netns and --dev take comma lists (lo of both namespaces)"
rm -f "/tmp/$P.n"

# Every mode honours --json: errors are one error object on stdout, the message on stderr.
jerr() { # description expected-exit args...
	local d=$1 x=$2; shift 2
	"$DPTUNE" stat --json "$@" 2>/dev/null | python3 -c '
import json,sys
lines=sys.stdin.read().splitlines()
assert len(lines)==1, lines
e=json.loads(lines[0])["error"]
assert e["command"]=="dptune stat" and e["exit"]==int(sys.argv[1]) and e["message"], e
' "$x"
	ok $? "$d"
}
jerr "--json: an unknown namespace is a JSON error object (exit 1)" 1 --netns "${P}nope"
jerr "--json: an unknown device is a JSON error object (exit 1)" 1 --dev "${P}nope"
jerr "--json: a usage error is a JSON error object (exit 2)" 2 -i abc
"$DPTUNE" stat --list-collectors --json | python3 -c '
import json,sys
d=json.load(sys.stdin)
names=[c["name"] for c in d["collectors"]]
assert "snmp" in names and "knobs" in names, names
assert all(c["scope"] in ("host","netns") for c in d["collectors"])
'
ok $? "--list-collectors --json is JSON"
"$DPTUNE" stat --list-collectors | grep -qE '^snmp +every namespace$'
ok $? "--list-collectors text: name and scope"
"$DPTUNE" stat -i 0.2 -c 2 --json --netns "${P}a" --links --knobs | python3 -c '
import json,sys
docs=[json.loads(l) for l in sys.stdin.read().splitlines()]
assert [d["seq"] for d in docs]==[1,2], docs
assert all("links" in d for d in docs), "--links: every document"
assert "knobs" in docs[0] and "knobs" not in docs[1], "--knobs: the first document"
'
ok $? "-i with --json: one JSON line per interval (links every one, knobs the first)"

# --knobs shows the settings: a table in text, "knobs" in JSON.
out=$("$DPTUNE" stat --knobs)
echo "$out" | grep -qE '^# knobs: [1-9][0-9]* settings$'; ok $? "--knobs: a knob table in text"
echo "$out" | grep -qE '^softirq +host +- +net.core.netdev_budget +[0-9]+$'; ok $? "--knobs: net.core.netdev_budget of the host in it"
"$DPTUNE" stat --knobs --json --netns "${P}a" --dev lo | python3 -c '
import json,sys
d=json.load(sys.stdin)
k=d["knobs"]
assert k, "no knobs"
assert all(x["netns"]==sys.argv[1]+"a" and x["object"]=="lo" and x["kind"]=="knob" and "knob" in x and "value" in x for x in k), k
assert any(x["knob"]=="rps_cpus" for x in k), k
' "$P"
ok $? "--knobs --json: the knobs array, filtered by --netns and --dev"

# Every option of stat is in its --help and its man page.
man="$(dirname "$0")/../../docs/dptune-stat.1"
missing=""
for o in $("$DPTUNE" stat --list-options | awk '$2!="hidden"{print $1}'); do
	"$DPTUNE" stat --help | grep -q -- "$o\b" || missing="$missing help:$o"
	grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "$man" || missing="$missing man:$o"
done
is "$missing" "" "every option of stat is in --help and docs/dptune-stat.1"
