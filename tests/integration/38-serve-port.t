#!/usr/bin/env bash
# 38-serve-port.t: serve says where it listens as soon as it does (JSON and text), so that
# --port 0 is usable: bench then runs against the port it printed; a receive buffer the
# kernel clamps (non-root serve, or --rcvbuf above net.core.rmem_max) is said, with
# rmem_max and the size obtained.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 timeout ss setpriv
plan 12

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 38
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# first_line FILE: wait up to 15 s for serve's first line (it comes before any test)
first_line() {
	for _ in $(seq 150); do [ -s "$1" ] && grep -q . "$1" && break; sleep 0.1; done
	head -1 "$1"
}

ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --port 0 --json >"$T/srv" 2>"$T/srv.err" &
bg_pid $!
first_line "$T/srv" >"$T/srv.1"
is "$(j "$T/srv.1" "(d['event'], d['address'], d['port'] > 0, d['data_port_first'] == d['port'] + 1)")" \
	"('listening', '::', True, True)" "serve --port 0 --json: first line names the address and the port picked"
port=$(j "$T/srv.1" "d['port']")
nsx b ss -ltnH "sport = :$port" | grep -q .; ok $? "... and it listens there ($port)"
is "$(j "$T/srv.1" "(d['rcvbuf']['forced'], d['rcvbuf']['clamped'], d['rcvbuf']['obtained'] >= d['rcvbuf']['asked'])")" \
	"(True, False, True)" "root: the 16 MiB receive buffer is forced and obtained"
nsx a timeout 60 "$DPTUNE" bench --json -n 2000 -r 10k -p "$port" $B4 >"$T/c1" 2>"$T/e1"
is "$(j "$T/c1" "('error' not in d, d['forward']['packets'])")" "(True, 2000)" "bench -p $port (the port printed) runs"

ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --port 0 -B $B4 >"$T/srvt" 2>&1 &
bg_pid $!
line=$(first_line "$T/srvt")
echo "$line" | grep -Eq "^listening on $B4 port [0-9]+ \(data ports from [0-9]+\)"; ok $? "text: '$line'"

# non-root: SO_RCVBUFFORCE is refused, SO_RCVBUF is capped at rmem_max
rmem=$(nsx b cat /proc/sys/net/core/rmem_max)
ip netns exec "${P}b" setpriv --reuid 65534 --regid 65534 --clear-groups \
	timeout 120 "$DPTUNE" serve --port 0 --json >"$T/nr" 2>"$T/nr.err" &
bg_pid $!
first_line "$T/nr" >"$T/nr.1"
if [ "$rmem" -ge $((16 << 20)) ]; then
	skip "net.core.rmem_max ($rmem) allows 16 MiB: nothing to clamp"
	skip "idem"; skip "idem"
else
	is "$(j "$T/nr.1" "(d['rcvbuf']['forced'], d['rcvbuf']['clamped'], d['rcvbuf']['rmem_max'])")" \
		"(False, True, $rmem)" "non-root: the buffer is clamped, JSON says so with rmem_max"
	is "$(j "$T/nr.1" "d['rcvbuf']['obtained'] <= $rmem")" True "... and the size obtained ($(j "$T/nr.1" "d['rcvbuf']['obtained']"))"
	grep -q "warning: the data sockets' receive buffer is [0-9]* bytes, not the 16777216 asked: net.core.rmem_max is $rmem" "$T/nr.err"
	ok $? "non-root: a warning on stderr names rmem_max and the size obtained"
fi
port=$(j "$T/nr.1" "d['port']")
nsx a timeout 60 "$DPTUNE" bench --json -n 1000 -r 10k -p "$port" $B4 >"$T/c2" 2>"$T/e2"
is "$(j "$T/c2" "d['forward']['packets']")" 1000 "a non-root serve on port $port still serves"

# --rcvbuf above rmem_max, as root: asked with SO_RCVBUF, so clamped too
big=$(( rmem * 2 )); [ $big -le $((1 << 30)) ] || big=$((1 << 30))
ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --port 0 --rcvbuf $big >"$T/rb" 2>"$T/rb.err" &
bg_pid $!
first_line "$T/rb" >/dev/null
if [ $big -gt "$rmem" ]; then
	grep -q "not the $big asked: net.core.rmem_max is $rmem; .*raise net.core.rmem_max, or ask less with --rcvbuf" "$T/rb.err"
	ok $? "--rcvbuf $big above rmem_max: warned ($(cat "$T/rb.err"))"
else
	skip "rmem_max is already 1G"
fi
ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --port 0 --rcvbuf 65536 --json >"$T/rs" 2>"$T/rs.err" &
bg_pid $!
first_line "$T/rs" >"$T/rs.1"
is "$(j "$T/rs.1" "(d['rcvbuf']['asked'], d['rcvbuf']['clamped'])")" "(65536, False)" "--rcvbuf 65536: obtained as asked, no warning"
is "$(cat "$T/rs.err")" "" "... and nothing on stderr"
done_testing
