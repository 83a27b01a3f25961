#!/usr/bin/env bash
# 82-rss.t: `dptune rss`: queues of given flows on recorded multi-queue NICs (the ixgbe
# outputs of tests/data/rss, whose flows were captured on the queues asserted here); a
# veth in a namespace (no RSS: said, exit 0; --require-rss exits 3; rx queues counted);
# RPS on the veth's rx-0 set inside the namespace and the RPS CPU of given hashes equal to
# the kernel's formula cpus[(hash * n) >> 32]; the host's own NIC read without changing it;
# and real traffic steered by a one-CPU RPS mask landing on the CPU reported.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
D=$top/tests/data/rss
[ -x "$DPTUNE" ] || skip_all "build dptune first"
need_root
need_cmd python3 ip

plan 28

# --- recorded NICs -------------------------------------------------------------------
q_of() { # x-file fh-file(or -) src sport dst dport proto -> queue
	local fh=()
	[ "$2" = - ] || fh=(--flow-hash-file "$D/$2")
	"$DPTUNE" rss --from-file "$D/$1" "${fh[@]}" --src "$3" --sport "$4" --dst "$5" \
		--dport "$6" --proto "$7" --json | json_get 'd["flows"][0]["queue"]'
}
flows=("66.9.149.187 2794 161.142.100.80 1766" "199.92.111.2 14230 65.69.140.83 4739"
       "24.19.198.95 12898 12.22.207.184 38024" "38.27.205.30 48228 209.142.163.6 2217"
       "153.39.163.191 44251 202.188.127.2 1303")
want_sd=(2 10 14 6 5) want_sdfn=(8 10 10 15 2)
got_sd= got_sdfn=
for i in 0 1 2 3 4; do
	# shellcheck disable=SC2086
	got_sd+="$(q_of ixgbe-16q-x.txt ixgbe-udp4-sd.txt ${flows[$i]} udp) "
	# shellcheck disable=SC2086
	got_sdfn+="$(q_of ixgbe-16q-x.txt ixgbe-udp4-sdfn.txt ${flows[$i]} udp) "
done
is "$got_sd" "${want_sd[*]} " "ixgbe 16q, udp4 sd: the 5 verification flows on the queues they were captured on"
is "$got_sdfn" "${want_sdfn[*]} " "ixgbe 16q, udp4 sdfn: the same flows on their captured queues"
got=
for f in ixgbe-16q-x.txt ixgbe-10q-x.txt ixgbe-16q-weight-0-1-x.txt ixgbe-16q-weight-7-1-x.txt ixgbe-16q-equal-4-x.txt; do
	got+="$(q_of $f - 153.39.163.191 44251 202.188.127.2 1303 tcp) "
done
is "$got" "2 4 5 4 2 " "ixgbe tcp4 flow over five indirection tables: the captured queues"

out=$("$DPTUNE" rss --from-file "$D/ixgbe-16q-x.txt" --flow-hash-file "$D/ixgbe-udp4-sd.txt" \
	--src-range 10.1.0.1-10.1.0.64 --sport-range 1000-1015 --dst 10.2.0.1 --json)
is "$(json_get 'd["spread"]["flows"]' <<<"$out")" 1024 "spread: 64 sources x 16 ports = 1024 flows"
is "$(json_get 'sum(q["flows"] for q in d["spread"]["per_queue"])' <<<"$out")" 1024 "spread: per-queue counts add up"
is "$(json_get 'len(set(f["hash"] for f in d["flows"] if f["src"]=="10.1.0.1"))' <<<"$out")" 1 \
	"udp4 sd: ports do not change the hash (ixgbe's default)"
is "$(json_get 'd["flows_listed"]' <<<"$out")" 64 "the first 64 flows listed without --all"

out=$("$DPTUNE" rss --from-file "$D/mlx4-8q-xor-x.txt" --json)
is "$(json_get 'd["flows"][0]["queue"]' <<<"$out")" None "xor hash function: queue unknown (null), not guessed"
"$DPTUNE" rss --from-file /dev/null >/dev/null 2>&1; is $? 1 "an empty file is a failure (exit 1)"
"$DPTUNE" rss --from-file "$D/ixgbe-16q-x.txt" --src-range 10.0.0.9-10.0.0.1 >/dev/null 2>&1
is $? 2 "a reversed --src-range is a usage error"
"$DPTUNE" rss --from-file "$D/ixgbe-16q-x.txt" --src-range 10.0.0.0-10.255.255.255 >/dev/null 2>&1
is $? 2 "more than 1048576 flows is a usage error"

# --- a veth in namespaces --------------------------------------------------------------
veth_pair 82
out=$("$DPTUNE" rss -N ${P}b ${P}b --json); rc=$?
is $rc 0 "veth without RSS: exit 0"
is "$(json_get 'd["device"]["rss"]' <<<"$out")" False "veth: rss false"
nq=$(nsx b sh -c "ls -d /sys/class/net/${P}b/queues/rx-* | wc -l")
is "$(json_get 'd["device"]["rx_queues"]' <<<"$out")" "$nq" "veth: rx queue count as sysfs of its namespace ($nq)"
json_get 'd["device"]["reason"]' <<<"$out" | grep -q '^no RSS'; ok $? "veth: the reason says no RSS"
"$DPTUNE" rss -N ${P}b ${P}b --require-rss >/dev/null 2>&1; is $? 3 "--require-rss on a veth exits 3"
"$DPTUNE" rss -N ${P}b nosuchdev >/dev/null 2>&1; is $? 1 "a device not in the namespace: exit 1"

ip link add ${P}m netns ${P}a numrxqueues 4 numtxqueues 4 type veth peer name ${P}n netns ${P}b \
	numrxqueues 4 numtxqueues 4
out=$("$DPTUNE" rss -N ${P}b ${P}n --json)
is "$(json_get 'd["device"]["rx_queues"]' <<<"$out")" 4 "a 4-queue veth: 4 rx queues"

# RPS on rx-0 of the veth, set inside the namespace only
ncpu=$(nproc)
mask=$(printf '%x' $(( (1 << ncpu) - 1 )))
nsx b sh -c "echo $mask > /sys/class/net/${P}b/queues/rx-0/rps_cpus" || skip_all "cannot set rps_cpus"
out=$("$DPTUNE" rss -N ${P}b ${P}b --json)
is "$(json_get 'd["device"]["queues"][0]["rps_cpus"]' <<<"$out")" "$(seq -s, 0 $((ncpu - 1)))" \
	"rps_cpus of rx-0 read from the namespace's sysfs"
is "$(json_get 'd["flows"][0]["rps_cpu"]' <<<"$out")" None \
	"veth: the skb hash is the kernel's own, RPS CPU not predicted"
bad=
for h in 0 1 0x7fffffff 0x80000000 0xc0000000 0xdeadbeef 0xffffffff 12345678; do
	want=$(( (h * ncpu) >> 32 ))  # the mask is CPUs 0..n-1, so cpus[i] = i
	got=$("$DPTUNE" rss -N ${P}b ${P}b --hash $h --json | json_get 'd["places"][0]["rps_cpu"]')
	[ "$got" = "$want" ] || bad+=" $h:$got/$want"
done
[ -z "$bad" ]; ok $? "--hash: RPS CPU = cpus[(hash * $ncpu) >> 32] for 8 hashes${bad:+ (hash:got/want$bad)}"
if [ "$ncpu" -ge 2 ]; then
	nsx b sh -c "echo 2 > /sys/class/net/${P}b/queues/rx-0/rps_cpus"
	got=$("$DPTUNE" rss -N ${P}b ${P}b --hash 0 --json | json_get 'd["places"][0]["rps_cpu"]')
	is "$got" 1 "a one-CPU mask (cpu 1): every hash goes to cpu 1"
else
	skip "one CPU only"
fi
[ ! -e /sys/class/net/${P}b ]; ok $? "the rps_cpus written were the namespace's (no ${P}b in the host's /sys)"

# Real traffic: the sender pinned to cpu 0; the receiving socket's SO_INCOMING_CPU (the
# CPU whose softirq delivered each datagram) must be the RPS CPU dptune reports, for a
# mask of cpu 1 and then of cpu 0 (without RPS, veth delivers on the sender's CPU).
incoming() { # mask -> the set of SO_INCOMING_CPU values seen by a receiver in ns b
	nsx b sh -c "echo $1 > /sys/class/net/${P}b/queues/rx-0/rps_cpus"
	nsx_bg b timeout 20 python3 -c '
import socket,sys
r=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); r.bind((sys.argv[1],9999)); r.settimeout(5)
r.connect((sys.argv[4],9998))  # the kernel keeps sk_incoming_cpu for connected sockets
open(sys.argv[2],"w").close()
seen=set()
try:
    for i in range(int(sys.argv[3])):
        r.recv(100); seen.add(r.getsockopt(socket.SOL_SOCKET,49))
except socket.timeout: pass
open(sys.argv[2],"w").write(",".join(map(str,sorted(seen))))' $B4 "$tmp/ready.$1" 500 $A4
	local rpid=$BG i
	for i in $(seq 50); do [ -e "$tmp/ready.$1" ] && break; sleep 0.1; done
	timeout 20 ip netns exec ${P}a taskset -c 0 python3 -c '
import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[3],9998))
for i in range(int(sys.argv[1])):
    s.sendto(b"z"*64,(sys.argv[2],9999))
    if i%100==99: time.sleep(0.005)' 500 $B4 $A4
	wait $rpid 2>/dev/null
	cat "$tmp/ready.$1"
}
if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
	tmp=$(mktemp -d); on_cleanup rm -rf "$tmp"
	for m in 2 1; do
		rep=$("$DPTUNE" rss -N ${P}b ${P}b --hash 0 --json 2>/dev/null >/dev/null
		      nsx b sh -c "echo $m > /sys/class/net/${P}b/queues/rx-0/rps_cpus"
		      "$DPTUNE" rss -N ${P}b ${P}b --hash 0x9e3779b9 --json | json_get 'd["places"][0]["rps_cpu"]')
		got=$(incoming $m)
		is "$got" "$rep" "traffic, rps_cpus=$m: datagrams delivered on cpu '$got', dptune reported $rep"
	done
else
	skip "needs 2 CPUs and taskset"; skip "needs 2 CPUs and taskset"
fi

# --- the host's NIC, read only -------------------------------------------------------------
hdev=$(ip route show default | awk '{for(i=1;i<NF;i++) if($i=="dev"){print $(i+1); exit}}')
if [ -n "$hdev" ]; then
	out=$("$DPTUNE" rss "$hdev" --json); rc=$?
	is $rc 0 "host $hdev: read"
	nq=$(ls -d /sys/class/net/$hdev/queues/rx-* | wc -l)
	is "$(json_get 'd["device"]["rx_queues"]' <<<"$out")" "$nq" "host $hdev: $nq rx queue(s) as sysfs"
	irq=$(json_get 'd["device"]["queues"][0]["irq"]' <<<"$out")
	if [ "$irq" != None ]; then
		want=$(sed 's/[-,].*//' /proc/irq/$irq/effective_affinity_list 2>/dev/null || sed 's/[-,].*//' /proc/irq/$irq/smp_affinity_list)
		is "$(json_get 'd["device"]["queues"][0]["irq_cpu"]' <<<"$out")" "$want" "host $hdev: rx-0's IRQ $irq CPU as /proc/irq"
	else
		skip "no IRQ named after $hdev's queues in /proc/interrupts"
	fi
else
	skip "no default route device"; skip "no default route device"; skip "no default route device"
fi
done_testing
