#!/usr/bin/env bash
# 03-json.t: every command and subcommand prints valid JSON under --json, one document per
# line, and a failure under --json ends stdout with one {"error":{...}} object whose "exit"
# is the exit status (dptune(1), JSON OUTPUT AND ERRORS).
# serial: `lab fault rcvbuf` sets the host's net.core.rmem_default (not per namespace
#   on this kernel), and `doctor` on the host must find nothing another test would cause.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3
export DPTUNE_LAB_DIR=$(mktemp -d /tmp/$P-lab.XXXXXX)
export DPTUNE_STATE_DIR=$(mktemp -d /tmp/$P-tune.XXXXXX)
L=j${P#t}
on_cleanup "$DPTUNE lab down $L; rm -rf $DPTUNE_LAB_DIR $DPTUNE_STATE_DIR /tmp/$P.j.*"
plan 41
veth_pair 93
PORT=$((30000 + RANDOM % 20000))
OUT=/tmp/$P.j.out

# check NAME: every line of $OUT is a JSON value (at least one), and none is an error object
jok() {
	python3 - "$OUT" <<'PY'
import json,sys
lines=[l for l in open(sys.argv[1]) if l.strip()]
if not lines: print("no output"); sys.exit(1)
for l in lines:
    d=json.loads(l)
    if isinstance(d,dict) and "error" in d: print("error object:", l.strip()); sys.exit(1)
PY
}
# jerr CODE: every line is JSON and the last one is the error object with "exit": CODE
jerr() {
	python3 - "$OUT" "$1" <<'PY'
import json,sys
lines=[l for l in open(sys.argv[1]) if l.strip()]
if not lines: print("no output"); sys.exit(1)
docs=[json.loads(l) for l in lines]
e=docs[-1].get("error") if isinstance(docs[-1],dict) else None
if not e or e.get("exit")!=int(sys.argv[2]) or not e.get("message") or not e.get("command","").startswith("dptune"):
    print("last line is not the error object with exit", sys.argv[2], ":", lines[-1].strip()); sys.exit(1)
PY
}
run() { # expected-exit description cmd...
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$OUT" 2>/dev/null; rc=$?
	if [ "$want" = 0 ]; then
		msg=$(jok); [ $rc -eq 0 ] && [ -z "$msg" ]; ok $? "$what: exit 0, valid JSON${msg:+ ($msg)}${rc:+ (exit $rc)}"
	else
		msg=$(jerr "$want"); [ $rc -eq "$want" ] && [ -z "$msg" ]; ok $? "$what: exit $want and a JSON error object${msg:+ ($msg)} (exit $rc)"
	fi
}

run 0 "stat" "$DPTUNE" stat --json
run 0 "stat -i -c" "$DPTUNE" stat -i 0.2 -c 2 --json --netns "${P}a"
run 0 "stat --links" "$DPTUNE" stat --links --json --netns "${P}a"
run 0 "stat --knobs" "$DPTUNE" stat --knobs --json --netns "${P}a"
run 0 "stat --list-collectors" "$DPTUNE" stat --list-collectors --json
run 1 "stat --dev with no such device" "$DPTUNE" stat --dev "${P}nosuch" --json
run 2 "stat usage error" "$DPTUNE" stat --layer nosuch --json

nsx_bg b timeout 120 "$DPTUNE" serve --bind "$B4" --port $PORT --json >/dev/null
for i in $(seq 50); do nsx a bash -c "echo > /dev/tcp/$B4/$PORT" 2>/dev/null && break; sleep 0.1; done
run 0 "bench" nsx a "$DPTUNE" bench "$B4" --port $PORT --count 2000 --rate max --json
nsx a "$DPTUNE" bench "$B4" --port $PORT --count 20000 --rate 1G --json >"$OUT" 2>/dev/null; rc=$?
msg=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("sender_limited") is True and "error" not in d else 1)' "$OUT" 2>&1)
[ $rc -eq 1 ] && [ -z "$msg" ]; ok $? "bench at a rate no sender keeps: exit 1, one result document with sender_limited true (exit $rc)"
run 2 "bench --flows 5000" nsx a "$DPTUNE" bench "$B4" --port $PORT --flows 5000 --json
run 1 "bench to a port nobody serves" nsx a "$DPTUNE" bench "$B4" --port $((PORT + 1)) --count 10 --json
run 0 "sweep" "$DPTUNE" sweep "$B4" --port $PORT --client-netns "${P}a" --duration 0.3 --warmup 0.1 \
	--pause 0.1 --rate-max 20k --max-trials 3 --json
run 2 "sweep --size 20000" "$DPTUNE" sweep "$B4" --size 20000 --json
run 0 "doctor" "$DPTUNE" doctor --duration 0.5 --json
run 1 "doctor -- false" "$DPTUNE" doctor --json -- false
run 0 "tune show" "$DPTUNE" tune show --json
run 0 "tune apply" "$DPTUNE" tune apply "${P}a/net.ipv4.ip_forward=1" --json
run 0 "tune revert" "$DPTUNE" tune revert --json
run 0 "tune persist" "$DPTUNE" tune persist --root "$DPTUNE_STATE_DIR/root" "${P}a/net.ipv4.ip_forward=1" --json
run 2 "tune apply out of range" "$DPTUNE" tune apply net.core.netdev_max_backlog=-1 --json
run 0 "lab scenarios" "$DPTUNE" lab scenarios --json
run 0 "lab up" "$DPTUNE" lab up veth --name "$L" --json
run 0 "lab list" "$DPTUNE" lab list --json
run 0 "lab status" "$DPTUNE" lab status "$L" --json
run 0 "lab fault" "$DPTUNE" lab fault "$L" rcvbuf --json
run 0 "lab fault --clear" "$DPTUNE" lab fault --clear "$L" --json
run 1 "lab exec in a lab that is not up" "$DPTUNE" lab exec --name "${L}x" client --json -- true
run 0 "lab down" "$DPTUNE" lab down "$L" --json
run 2 "lab usage error" "$DPTUNE" lab up nosuchscenario --json
run 2 "unknown option" "$DPTUNE" doctor --nosuch --json
run 0 "rss" "$DPTUNE" rss "${P}a" --netns "${P}a" --sport-range 1000-1003 --json
run 2 "rss usage error" "$DPTUNE" rss lo --sport-range 9-1 --json
run 0 "path" "$DPTUNE" path --from "${P}a" --to "$B4" --dport $PORT --json
run 1 "path from a namespace that does not exist" "$DPTUNE" path --from "${P}nosuch" --to "$B4" --json
run 2 "path usage error" "$DPTUNE" path --to "$B4" --json
run 2 "top without a terminal" "$DPTUNE" top --json
run 0 "export --list-metrics" "$DPTUNE" export --list-metrics --json
run 0 "record" "$DPTUNE" record -o /tmp/$P.j.rec -i 0.2 --duration 0.6 --netns "${P}a" --json
run 0 "report" "$DPTUNE" report /tmp/$P.j.rec -o /tmp/$P.j.html --json
run 1 "report of a file that is not a recording" "$DPTUNE" report "$OUT" -o /tmp/$P.j.html --json
run 2 "export --listen out of range" "$DPTUNE" export --listen 127.0.0.1:99999 --json
