# lib.sh: TAP helpers for integration tests. Source it first; it gives each test a unique
# prefix ($P, at most 6 characters so device names stay under 15), namespaces that are
# removed by the cleanup trap, and ok/is/skip helpers.
set -u
DPTUNE=${DPTUNE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/dptune}
# $P is unique among the tests running at once (scripts/check.sh runs two at a time, other
# users run theirs): t + 4 hex digits of N, 0 <= N < 1024, claimed by an atomic mkdir of
# $T_CLAIMS/$P that the cleanup trap removes. $PORT_BASE is 10000 + 20 N: the test's own 20
# ports (10000-30479, below the kernel's ephemeral range), for servers that need a fixed port
# on an address another test could also use (loopback of the host).
T_CLAIMS=/tmp/dptune-test-prefix T_CLAIM=
if [ -z "${P:-}" ]; then
	mkdir -p -m 1777 "$T_CLAIMS" 2>/dev/null
	for _ in $(seq 200); do
		T_PN=$(( (RANDOM ^ $$) % 1024 ))
		P=t$(printf '%04x' $T_PN)
		if mkdir "$T_CLAIMS/$P" 2>/dev/null; then T_CLAIM=$T_CLAIMS/$P; break; fi
	done
	[ -n "$T_CLAIM" ] || echo "# lib.sh: no free prefix claim in $T_CLAIMS: $P may be shared" >&2
	PORT_BASE=$((10000 + 20 * T_PN))
else
	PORT_BASE=$((10000 + 20 * ($(echo "$P" | cksum | cut -d' ' -f1) % 1024)))
fi
T_N=0
T_FAIL=0
T_NS=()
T_PIDS=()
T_CLEAN=()

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
ok() { # cond-exit-code description; returns the condition, so `ok ... || why` can explain
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); return 1; fi
}
is() { # got expected description; returns 1 on a mismatch, so `is ... || why` can explain
	T_N=$((T_N + 1))
	if [ "$1" == "$2" ]; then echo "ok $T_N - $3"
	else echo "not ok $T_N - $3"; echo "#   got '$1', expected '$2'"; T_FAIL=$((T_FAIL + 1)); return 1; fi
}
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
diag() { echo "# $*"; }
need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
need_cmd() { for c; do command -v "$c" >/dev/null || skip_all "needs $c"; done; }

# mkns NAME: create namespace ${P}NAME with lo up; remembered for cleanup.
mkns() { ip netns add "$P$1" && ip -n "$P$1" link set lo up && T_NS+=("$P$1"); }
nsx() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
# veth_pair NET [v6]: namespaces ${P}a and ${P}b joined by veth ${P}a <-> ${P}b with
# A4=10.X.NET.1 and B4=10.X.NET.2/24 (X from $P, so tests running at once differ), and with
# v6 also A6=fd00:X:NET::1 and B6=fd00:X:NET::2/64; the whole test skips without them.
veth_pair() {
	X=$(( $(echo "$P" | cksum | cut -d' ' -f1) % 200 + 20 ))
	A4=10.$X.$1.1 B4=10.$X.$1.2 A6=fd00:$X:$1::1 B6=fd00:$X:$1::2
	mkns a && mkns b || skip_all "cannot create namespaces"
	ip link add ${P}a netns ${P}a type veth peer name ${P}b netns ${P}b || skip_all "no veth"
	nsx a ip addr add $A4/24 dev ${P}a; nsx b ip addr add $B4/24 dev ${P}b
	if [ "${2:-}" = v6 ]; then
		nsx a ip addr add $A6/64 dev ${P}a nodad; nsx b ip addr add $B6/64 dev ${P}b nodad
	fi
	nsx a ip link set ${P}a up; nsx b ip link set ${P}b up
}
# nsx_bg NAME CMD...: run in the background inside ${P}NAME; its PID (the command itself,
# not a subshell) is killed by the cleanup trap and left in $BG.
nsx_bg() { local n=$1; shift; ip netns exec "$P$n" "$@" & BG=$!; T_PIDS+=("$BG"); }
bg_pid() { T_PIDS+=("$1"); }
# pin_neighbours NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B: permanent neighbour entries both
# ways across a veth pair, so no ARP packet falls in a measured window.
pin_neighbours() {
	local ma mb
	ma=$(ip -n "$P$1" -j link show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
	mb=$(ip -n "$P$4" -j link show "$5" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
	ip -n "$P$1" neigh replace "$6" lladdr "$mb" dev "$2" nud permanent &&
		ip -n "$P$4" neigh replace "$3" lladdr "$ma" dev "$5" nud permanent
}
# udp_sink NS ADDR PORT SECS: a UDP receiver (4 MB buffer) in $P$NS that reads and drops
# everything for SECS seconds, so the receiving side answers no ICMP errors; stopped by
# the cleanup trap (its PID is the process itself, not a wrapper).
udp_sink() {
	ip netns exec "$P$1" timeout "$4" python3 -c '
import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22); s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(float(sys.argv[3]) - 1)
try:
    while True: s.recv(2048)
except OSError: pass' "$2" "$3" "$4" &
	T_PIDS+=("$!")
}
on_cleanup() { T_CLEAN+=("$*"); }

t_cleanup() {
	local p n c
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for c in "${T_CLEAN[@]}"; do eval "$c" >/dev/null 2>&1; done
	for n in "${T_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	[ -z "$T_CLAIM" ] || rmdir "$T_CLAIM" 2>/dev/null
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# jq-free JSON access through python3 (always on Debian test machines).
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
done_testing() { [ $T_FAIL -eq 0 ]; }
