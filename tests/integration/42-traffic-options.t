#!/usr/bin/env bash
# 42-traffic-options.t (issue 11's must-show, issue 12 item 8): sweep, bench and lab matrix
# refuse the same out-of-range --flows, --threads and --size at parse time, with exit 2 and
# the same range in the message (the limits of the load engine, cmd/vocab.h), before any
# traffic is sent; under --json the refusal is one JSON error object on stdout. (Their
# --help and man pages are checked against the option tables by 02-docs.t.)
. "$(dirname "$0")/lib.sh"
need_cmd python3
plan 15
# 192.0.2.1 (TEST-NET-1): never reached, the options are refused first
for opt in "--flows 5000:1..4096" "--threads 65:1..64" "--size 20000:32..9000 bytes"; do
	arg=${opt%%:*} range=${opt#*:}
	for cmd in "sweep 192.0.2.1" "bench 192.0.2.1" "lab matrix"; do
		err=$(timeout 20 "$DPTUNE" $cmd $arg 2>&1 >/dev/null); rc=$?
		case "$rc:$err" in
		"2:"*"$range"*) ok 0 "$cmd $arg: exit 2 naming $range";;
		*) ok 1 "$cmd $arg: exit 2 naming $range (got exit $rc: $err)";;
		esac
	done
done
# sweep's own list of sizes takes the same range
err=$("$DPTUNE" sweep 192.0.2.1 --sizes 64,20000 2>&1 >/dev/null); rc=$?
case "$rc:$err" in "2:"*"32..9000 bytes"*) ok 0 "sweep --sizes 64,20000: exit 2 with the range";;
*) ok 1 "sweep --sizes 64,20000: exit $rc: $err";; esac
# under --json: one error object on stdout, exit 2
for cmd in "sweep 192.0.2.1" "lab matrix"; do
	out=$("$DPTUNE" $cmd --flows 5000 --json 2>/dev/null); rc=$?
	got=$(echo "$out" | python3 -c 'import json,sys; e=json.load(sys.stdin)["error"]; print(e["exit"], "1..4096" in e["message"])' 2>&1)
	is "$rc $got" "2 2 True" "$cmd --flows 5000 --json: a JSON error object, exit 2"
done
# values that stay accepted: the edges of the ranges parse (help exits 0 after them)
"$DPTUNE" sweep 192.0.2.1 --flows 4096 --threads 64 --size 9000 --help >/dev/null
ok $? "sweep --flows 4096 --threads 64 --size 9000 is accepted"
"$DPTUNE" lab matrix --flows 4096 --threads 64 --size 32 --help >/dev/null
ok $? "lab matrix --flows 4096 --threads 64 --size 32 is accepted"
"$DPTUNE" sweep --rate-min max 192.0.2.1 >/dev/null 2>&1
is $? 2 "sweep --rate-min max is refused (a lowest rate must be a rate)"
