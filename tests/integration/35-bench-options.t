#!/usr/bin/env bash
# 35-bench-options.t: bench and serve options are honoured or refused at parse time with
# the valid range (exit 2, a JSON error object under --json); a bracketed IPv6 HOST works;
# every option they accept is in their --help and their man page.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 timeout ss
plan 22

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
MAN=$(cd "$(dirname "$0")/../../docs" && pwd)

# usage CMD ARGS...: exit code and stderr of a parse-time refusal (nothing is sent).
usage() { timeout 10 "$DPTUNE" "$@" >"$T/out" 2>"$T/err"; echo $?; }

is "$(usage bench --rate 1e99 192.0.2.1)" 2 "bench --rate 1e99 is a usage error"
grep -q "1..1.00G pps" "$T/err"; ok $? "... naming the range ($(head -1 "$T/err"))"
is "$(usage bench --flows 5000 192.0.2.1)" 2 "bench --flows 5000 is a usage error"
grep -q "1..4096" "$T/err"; ok $? "... naming the range"
beyond=$(python3 -c 'import os; print(max(os.sched_getaffinity(0)) + 1)')
is "$(usage bench --cpus "$beyond" 192.0.2.1)" 2 "bench --cpus $beyond (outside the affinity mask) is a usage error"
grep -q "CPU $beyond is not one this process may use" "$T/err"; ok $? "... saying why"
is "$(usage bench '[fd00::2' )" 2 "an unclosed bracket in HOST is a usage error"
is "$(usage bench '[fd00::2]:5301')" 2 "a port in HOST is a usage error"
grep -q -- "--port" "$T/err"; ok $? "... pointing at --port"
is "$(usage bench --json --size 20000 192.0.2.1)" 2 "bench --json --size 20000: exit 2"
is "$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["exit"], "32..9000" in e["message"])' "$T/out")" \
	"2 True" "... with one JSON error object naming the range on stdout"
is "$(usage serve --port 70000)" 2 "serve --port 70000 is a usage error"
is "$(usage serve --rcvbuf 10)" 2 "serve --rcvbuf 10 is a usage error"

# Every option each command accepts is in its --help and its man page.
for cmd in bench serve; do
	missing=
	for o in $("$DPTUNE" $cmd --list-options | awk '$2 != "hidden" {print $1}'); do
		"$DPTUNE" $cmd --help | grep -q -- "$o\b" || missing="$missing help:$o"
		sed 's/\\-/-/g' "$MAN/dptune-$cmd.1" | grep -q -- "$o\b" || missing="$missing man:$o"
	done
	is "$missing" "" "every option of $cmd is in its --help and dptune-$cmd.1"
done

# A bracketed IPv6 HOST runs a test.
veth_pair 35 v6
ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --json >"$T/srv" 2>&1 &
bg_pid $!
for _ in $(seq 50); do nsx b ss -ltnH "sport = :5301" | grep -q . && break; sleep 0.1; done
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
nsx a timeout 60 "$DPTUNE" bench --json -n 1000 -r 10k "[$B6]" >"$T/c1" 2>"$T/e1"
is "$(j "$T/c1" "'error' not in d")" True "bench '[$B6]' ran"
is "$(j "$T/c1" "(d['ipv6'], d['forward']['packets'])")" "(True, 1000)" "... over IPv6, 1000 of 1000"
nsx a timeout 60 "$DPTUNE" bench --json -n 1000 -r 10k "$B6" >"$T/c2" 2>"$T/e2"
is "$(j "$T/c2" "(d['ipv6'], d['forward']['packets'])")" "(True, 1000)" "bare $B6 still works"
# -4 with an IPv6 literal: refused by the resolver (exit 1), not a usage error
nsx a timeout 30 "$DPTUNE" bench -4 -n 10 "[$B6]" >/dev/null 2>"$T/e3"
is $? 1 "-4 with an IPv6 HOST fails to resolve (exit 1)"
# The --cpus check accepts what the mask allows.
first=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
nsx a timeout 60 "$DPTUNE" bench --json --cpus "$first" -n 500 -r 10k $B4 >"$T/c4" 2>"$T/e4"
is "$(j "$T/c4" "(d['forward']['packets'])")" 500 "--cpus $first (in the mask) runs"
nsx a timeout 30 "$DPTUNE" bench --json -n 500 -r 10k -p 7399 $B4 >"$T/c5" 2>"$T/e5"
is "$?" 1 "no server on that port: exit 1"
is "$(j "$T/c5" "(list(d), d['error']['exit'], 'cannot connect' in d['error']['message'])")" \
	"(['error'], 1, True)" "... one JSON error object on stdout under --json"
done_testing
