#!/usr/bin/env bash
# 66-doctor-cmd.t: what doctor says about the command it watches and its options (issue
# 12 items 3, 5, 8; issue 11): a command that fails or cannot run is no diagnosis (exit 1,
# said plainly, a JSON error object under --json), never "no findings"; --ovs-rundir is
# accepted; UDP sent to a port nobody listens on, in a namespace pair of this test, gives
# a finding that names the namespace and the command to run there; every option is in
# --help and the man page.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3
plan 26
MAN="$(dirname "$0")/../../docs/dptune-doctor.1"
on_cleanup "rm -rf /tmp/$P.*"
jvalid() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }
jerr() { python3 -c '
import json,sys
e=json.load(open(sys.argv[1]))["error"]
print(e["command"], e["exit"], e["message"])' "$1"; }

# 1. a command that fails
"$DPTUNE" doctor -- false > "/tmp/$P.out" 2> "/tmp/$P.err"
is "$?" 1 "doctor -- false exits 1"
grep -q "the watched command failed (exit 1): no diagnosis" "/tmp/$P.err"; ok $? "and says the command failed, no diagnosis"
grep -q "no findings" "/tmp/$P.out" "/tmp/$P.err"; is "$?" 1 "and never 'no findings'"
"$DPTUNE" doctor --json -- false > "/tmp/$P.out" 2>/dev/null
is "$?" 1 "doctor --json -- false exits 1"
jvalid "/tmp/$P.out"; ok $? "with valid JSON on stdout"
is "$(jerr /tmp/$P.out | cut -c1-68)" "dptune doctor 1 the watched command failed (exit 1): no diagnosis (r" \
	"an error object naming the command, the exit and the failure"

# 2. a command that cannot run
"$DPTUNE" doctor -- /nonexistent > "/tmp/$P.out" 2> "/tmp/$P.err"
is "$?" 1 "doctor -- /nonexistent exits 1"
grep -q "could not run '/nonexistent': No such file or directory" "/tmp/$P.err"; ok $? "and says it could not run it, and why"
"$DPTUNE" doctor --json -- /nonexistent > "/tmp/$P.out" 2>/dev/null
is "$(jerr /tmp/$P.out)" "dptune doctor 1 could not run '/nonexistent': No such file or directory" \
	"--json: the same as an error object"

# 3. a load that reports its result and then fails (bench when sender-limited): the
# window is diagnosed, and the exit says something failed
"$DPTUNE" doctor --json --no-drop-reasons -- sh -c 'echo "{\"lost_packets\": 0, \"sent\": 10}"; exit 1' \
	> "/tmp/$P.out" 2>/dev/null
is "$?" 1 "a load that reported its result then exited 1: doctor exits 1"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["command_exit"], d["lost_by_load"], "findings" in d)' /tmp/$P.out)" \
	"1 0 True" "but its window is diagnosed (JSON with command_exit, lost_by_load, findings)"

# 4. options: --ovs-rundir is accepted, ranges are said, --netns is checked
D=$(mktemp -d /tmp/$P.ovs.XXXXXX)
"$DPTUNE" doctor --ovs-rundir "$D" --duration 0.1 --fail-on critical --json --no-drop-reasons \
	> "/tmp/$P.out" 2> "/tmp/$P.err"
rc=$?
ok $([ $rc -eq 0 ] || [ $rc -eq 1 ]; echo $?) "--ovs-rundir DIR is accepted (exit $rc)"
jvalid "/tmp/$P.out"; ok $? "a window with --json prints valid JSON"
"$DPTUNE" doctor --duration 0 > /dev/null 2> "/tmp/$P.err"
is "$?" 2 "--duration 0 is a usage error"
grep -q "need 10ms\.\." "/tmp/$P.err"; ok $? "that names the valid range"
"$DPTUNE" doctor --json --duration 0.1 --no-drop-reasons --netns "${P}nope" > "/tmp/$P.out" 2>/dev/null
is "$(jerr /tmp/$P.out | cut -d' ' -f3-8)" "1 no network namespace named '${P}nope'" "--netns of a namespace that does not exist fails"

# 5. every option in --help and in the man page
missing=
for o in $("$DPTUNE" doctor --list-options); do
	"$DPTUNE" doctor --help | grep -q -- "$o\b" || missing="$missing help:$o"
	grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "$MAN" || missing="$missing man:$o"
done
is "$missing" "" "every option of doctor is in --help and docs/dptune-doctor.1"

# 6. UDP to a port nobody listens on, from ${P}a to ${P}b (a bounded loop: 3000 datagrams)
veth_pair 61
PORT=9 # discard: nothing listens in a fresh namespace
ip netns exec "${P}b" ss -uanH "sport = :$PORT" | grep -q . ; is "$?" 1 "nothing listens on UDP $PORT in ${P}b"
"$DPTUNE" doctor --json -- ip netns exec "${P}a" python3 -c '
import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"m"*64,(sys.argv[1],int(sys.argv[2])))
    if i % 500 == 0: time.sleep(0.01)' "$B4" "$PORT" > "/tmp/$P.doc.json" 2> "/tmp/$P.err"
is "$?" 1 "doctor exits 1 (a critical finding)"
f=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]:
    if f["rule"]=="udp-no-listener" and f["netns"]==sys.argv[2]:
        print(f["severity"], f["layer"], f["netns"], f["confidence"]); break' "/tmp/$P.doc.json" "${P}b")
is "$f" "critical udp ${P}b high" "no listener: a critical udp finding in ${P}b"
ev=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
f=[f for f in d["findings"] if f["rule"]=="udp-no-listener" and f["netns"]==sys.argv[2]][0]
print(f["evidence"].split(" (")[0]); print(f["commands"].split("\n")[0].split("    #")[0])' "/tmp/$P.doc.json" "${P}b")
is "$(echo "$ev" | head -1 | sed 's/+[0-9]*/+N/')" "UdpNoPorts +N" "its evidence is the counter"
n=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print([f for f in d["findings"] if f["rule"]=="udp-no-listener" and f["netns"]==sys.argv[2]][0]["dropped"])' "/tmp/$P.doc.json" "${P}b")
ok $([ "$n" -ge 2900 ] && [ "$n" -le 3000 ]; echo $?) "it counts the datagrams sent ($n of 3000)"
is "$(echo "$ev" | tail -1)" "ip netns exec ${P}b ss -uanp" "its first fix runs ss in that namespace"
"$DPTUNE" doctor --netns "${P}b" --fail-on critical -- ip netns exec "${P}a" python3 -c '
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(1000): s.sendto(b"m"*64,(sys.argv[1],int(sys.argv[2])))' "$B4" "$PORT" > "/tmp/$P.out" 2>/dev/null
is "$?" 1 "text mode, --netns ${P}b --fail-on critical: exit 1"
grep -q "^\[critical, high confidence\] udp in ${P}b" "/tmp/$P.out"; ok $? "the finding heads the text report"
grep -q "  fix:      ip netns exec ${P}b ss -uanp" "/tmp/$P.out"; ok $? "with its fix line in the namespace"
done_testing
