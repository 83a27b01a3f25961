#!/usr/bin/env bash
# 37-bench-foreign.t: bench pointed at a TCP server that is not a dptune serve fails at
# once (exit 1) with a message naming host, port and what the server sent, instead of
# waiting for the 10 s reply timeout; a server that says nothing is named after it.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 ss
plan 9

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 37

# listener PORT BYTES: a TCP server in ${P}b that writes BYTES (a Python bytes literal) to
# every connection and keeps it open for 30 s (or, with BYTES "close", closes at once).
cat >"$T/listen.py" <<'PY'
import socket, sys, threading, time
port, what = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', port)); s.listen(8)
def serve(c):
    if what == 'close':
        c.close(); return
    c.sendall(eval(what)); time.sleep(30); c.close()
end = time.time() + 90
while time.time() < end:
    s.settimeout(end - time.time())
    try: c, _ = s.accept()
    except OSError: break
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
listener() {
	nsx_bg b python3 "$T/listen.py" "$1" "$2"
	for _ in $(seq 100); do nsx b ss -ltnH "sport = :$1" | grep -q . && return 0; sleep 0.1; done
	return 1
}
listener 8080 "b'HTTP/1.0 200 OK\\r\\n'"; ok $? "an HTTP-like listener runs"
listener 8022 "b'SSH-2.0-OpenSSH_9.2\\r\\n'"; ok $? "an SSH-like listener runs"
listener 8099 "b''"; ok $? "a silent listener runs"

# run PORT OUT: bench against it; prints its exit code and whole seconds taken
run() {
	local t0 t1 rc
	t0=$(date +%s.%N)
	nsx a "$DPTUNE" bench -n 10 -p "$1" $B4 >"$2" 2>"$2.err"; rc=$?
	t1=$(date +%s.%N)
	echo "$rc $(python3 -c "print(round($t1 - $t0, 1))")"
}
read rc secs < <(run 8080 "$T/http")
is "$rc" 1 "HTTP server: exit 1 (in $secs s)"
want="$B4 port 8080 is not a dptune server: it sent \"HTTP/1.0 200 OK\\r\\n\""
grep -qF "$want" "$T/http.err"; r=$?
ok $r "... naming host, port and the bytes received (not the 10 s timeout path)"
[ $r -eq 0 ] || diag "stderr: $(cat "$T/http.err")"
read rc secs < <(run 8022 "$T/ssh")
grep -qF "port 8022 is not a dptune server: it sent \"SSH-2.0-OpenSSH_9.2\\r\\n\"" "$T/ssh.err"
ok $? "SSH server: named at once (exit $rc, $secs s)"

nsx a "$DPTUNE" bench --json -n 10 -p 8080 $B4 >"$T/httpj" 2>/dev/null
is "$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["exit"], "HTTP/1.0" in e["message"])' "$T/httpj")" \
	"1 True" "--json: one error object quoting the reply"

# silent: only the timeout can tell; it says so
read rc secs < <(run 8099 "$T/silent")
is "$rc" 1 "silent server: exit 1 (after $secs s)"
grep -q "no greeting from $B4 port 8099 within 10 s" "$T/silent.err"; ok $? "... saying no greeting came ($(cat "$T/silent.err"))"
done_testing
