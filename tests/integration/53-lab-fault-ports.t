#!/usr/bin/env bash
# 53-lab-fault-ports.t: a lab fault applies to all the UDP traffic the lab's own server
# receives, whatever data ports `serve` hands out. serve gives each test a new data port
# counting upward; faults that covered a fixed port range (5500-5515) silently stopped
# applying after about 16 tests. Here 20 benches run through one `serve` in a veth lab with
# the ratecap fault, and every one of them must show the cap's loss.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip nft
N=20
plan $((N + 3))
export DPTUNE_LAB_DIR=/run/dptune/lab-$P # a private lab directory: other labs stay unseen
L=${P}p
on_cleanup rm -rf "$DPTUNE_LAB_DIR"
on_cleanup "$DPTUNE" lab down "$L"
out=$("$DPTUNE" lab up veth --name "$L" 2>&1) || skip_all "lab up veth failed: $out"
read -r addr port <<<"$("$DPTUNE" lab status "$L" --json |
	json_get '"%s %s" % (d["labs"][0]["target"]["addr"], d["labs"][0]["target"]["port_lo"])')"
"$DPTUNE" lab fault "$L" ratecap --rate 200 >/dev/null; ok $? "fault ratecap --rate 200"

# One server for all the benches, as sweep and doctor use it (bounded by timeout).
timeout 300 "$DPTUNE" lab exec "$L:srv" -- "$DPTUNE" serve --bind "$addr" --port "$port" \
	>/dev/null 2>&1 &
bg_pid $!
up=1
for i in $(seq 100); do
	"$DPTUNE" lab exec "$L:cli" -- bash -c "echo > /dev/tcp/$addr/$port" 2>/dev/null && { up=0; break; }
	sleep 0.1
done
ok $up "serve is up in $L:srv at $addr port $port"

# 2000 datagrams at 20 kpps through a 200/s cap: what passes is the cap's rate over the time
# the bench took (plus the rule's burst), however slow a loaded machine makes the sender;
# without the fault all 2000 pass and nothing is lost.
for i in $(seq $N); do
	res=$(timeout 30 "$DPTUNE" lab exec "$L:cli" -- "$DPTUNE" bench "$addr" --port "$port" \
		--count 2000 --rate 20k --json 2>/dev/null | python3 -c '
import json,sys
try:
    f=json.load(sys.stdin)["forward"]; print(f["lost_packets"], f["packets"], round(f["seconds"], 3))
except Exception as e: print("none", "none", "none")')
	set -- $res
	ok $(python3 -c '
import sys
lost, got, secs = sys.argv[1:4]
if lost == "none": sys.exit(1)
# the cap lets 200/s through, plus its burst: allow 200/s over the run and 1 s more, +100
sys.exit(0 if int(lost) > 0 and int(got) <= 200 * (float(secs) + 1) + 100 else 1)' "$1" "$2" "$3"; echo $?) \
		"bench $i/$N through the ratecap lab: ${1:-?} lost, ${2:-?} received in ${3:-?} s (cap 200/s)"
done
drops=$("$DPTUNE" lab exec "$L:srv" -- nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p')
ok $([ "${drops:-0}" -gt $((N * 1000)) ]; echo $?) "the cap's nft rule dropped ${drops:-0} datagrams (> $((N * 1000)))"
done_testing
