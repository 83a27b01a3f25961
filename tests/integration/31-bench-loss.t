#!/usr/bin/env bash
# 31-bench-loss.t: an nftables rule in the receiving namespace drops every 10th test
# datagram (numgen); the loss dptune bench reports equals the rule's own counter and count/10.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip nft python3 timeout ss
plan 6

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 31
nsx b nft add table inet ${P}t 2>/dev/null || skip_all "nftables not usable"
nsx b nft add chain inet ${P}t in '{ type filter hook input priority 0; }'
nsx b nft add rule inet ${P}t in udp dport 5302-5999 numgen inc mod 10 == 0 counter drop \
	|| skip_all "nft numgen not supported"

ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --json >"$T/srv" 2>&1 &
bg_pid $!
for _ in $(seq 50); do nsx b ss -ltnH "sport = :5301" | grep -q . && break; sleep 0.1; done
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
nft_drops() { nsx b nft -j list chain inet ${P}t in | python3 -c "
import json,sys
for o in json.load(sys.stdin)['nftables']:
    for e in o.get('rule',{}).get('expr',[]):
        if 'counter' in e: print(e['counter']['packets'])"; }

nsx a timeout 60 "$DPTUNE" bench --json -n 10000 -r 20k -f 4 $B4 >"$T/c1" 2>"$T/e1"
is "$(j "$T/c1" "'error' not in d")" True "the run completed"
truth=$(nft_drops)
is "$truth" 1000 "nft dropped every 10th of 10000"
is "$(j "$T/c1" "d['forward']['lost_packets']")" "$truth" "reported loss equals the nft counter"
is "$(j "$T/c1" "(d['forward']['packets'], d['forward']['max_loss_burst'], d['forward']['out_of_order'])")" \
	"(9000, 1, 0)" "9000 received, loss bursts of 1, nothing reordered"
is "$(j "$T/c1" "sum(f['lost_packets'] for f in d['forward']['flows'])")" 1000 "per-flow losses add up"
is "$(j "$T/c1" "round(d['forward']['lost_percent'], 3)")" 10.0 "lost_percent 10"
done_testing
