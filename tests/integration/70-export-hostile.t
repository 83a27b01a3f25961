#!/usr/bin/env bash
# 70-export-hostile.t: `dptune export` under hostile clients: hundreds of idle connections,
# slow headers (slowloris), oversized and malformed requests, a body on a GET, a flood of
# scrapes (some dropped half-read). A well-formed scrape keeps being answered whole, the
# resident memory stays bounded, and the process never dies.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd curl python3
plan 8
TMP=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$TMP"
mkns a
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$DPTUNE" export --listen 127.0.0.1:$PORT --netns ${P}a --no-drop-reasons --connection-timeout 5 \
	> "$TMP/out" 2> "$TMP/err" & EPID=$!; bg_pid $EPID
for _ in $(seq 1 600); do curl -s -o /dev/null 127.0.0.1:$PORT/ && break; sleep 0.1; done
curl -s -o "$TMP/s0" 127.0.0.1:$PORT/metrics; ok $? "exporter answers"
rss() { awk '/^VmRSS/ {print $2}' /proc/$EPID/status; }
for _ in 1 2 3; do curl -s -o /dev/null 127.0.0.1:$PORT/metrics; done
rss0=$(rss)

timeout 120 python3 - "$PORT" > "$TMP/py" 2>&1 <<'PY'
import socket, sys, threading, time, urllib.request
port = int(sys.argv[1])
res = {}
def conn(src="127.0.0.1"):
    s = socket.socket(); s.settimeout(10)
    s.bind((src, 0)); s.connect(("127.0.0.1", port)); return s
def good(src="127.0.0.2"):
    s = conn(src)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
    s.close()
    return data.startswith(b"HTTP/1.1 200") and b"\ndptune_scrape_duration_seconds " in data
# hundreds of idle connections from one address
idle = []
for i in range(300):
    try: idle.append(conn())
    except OSError: break
res["idle_opened"] = len(idle)
# slowloris: a header byte every second
slow = []
for i in range(40):
    try:
        s = conn("127.0.0.3"); s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n"); slow.append(s)
    except OSError: pass
def drip():
    for k in range(8):
        for s in slow:
            try: s.sendall(b"X")
            except OSError: pass
        time.sleep(1)
t = threading.Thread(target=drip); t.start()
res["good_during_idle"] = good()
# oversized and malformed requests
def send(raw, src="127.0.0.4"):
    try:
        s = conn(src); s.sendall(raw); s.shutdown(socket.SHUT_WR)
        r = s.recv(200); s.close(); return r.split(b"\r\n")[0].decode("latin1")
    except OSError as e: return "closed"
res["huge_header"] = send(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 200000 + b"\r\n\r\n")
res["huge_url"] = send(b"GET /" + b"m" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
res["garbage"] = send(b"\x00\xff\x17GARBAGE\r\n\r\n")
res["bad_version"] = send(b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n")
res["post"] = send(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
res["body_get"] = send(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n" + b"z" * 65536)
res["not_found"] = send(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
# a flood of scrapes, half of them dropped after the first bytes
ok = [0]
def flood(n, src):
    for k in range(n):
        try:
            s = conn(src); s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if k % 2: s.recv(10); s.close(); continue
            d = b""
            while True:
                b = s.recv(65536)
                if not b: break
                d += b
            s.close()
            if d.startswith(b"HTTP/1.1 200") and b"\ndptune_scrape_duration_seconds " in d: ok[0] += 1
        except OSError: pass
th = [threading.Thread(target=flood, args=(10, "127.0.0.%d" % (10 + i))) for i in range(16)]
for x in th: x.start()
for x in th: x.join()
res["flood_ok"] = ok[0]
res["good_after_flood"] = good()
t.join()
for s in idle + slow: s.close()
time.sleep(0.5)
res["good_same_address_after"] = good("127.0.0.1")
for k, v in res.items(): print("%s=%s" % (k, v))
PY
cat "$TMP/py" | sed 's/^/# /'
get() { sed -n "s/^$1=//p" "$TMP/py"; }
is "$(get good_during_idle)" "True" "a scrape is answered whole while $(get idle_opened) idle and 40 slow-header connections are open"
is "$(get flood_ok)" "80" "80 whole scrapes out of 80 in a flood of 160 from 16 clients (80 dropped half-read)"
is "$(get good_after_flood)/$(get good_same_address_after)" "True/True" "answered after the flood, and from the idle clients' address once they left"
bad=$(for k in huge_header huge_url garbage bad_version post body_get not_found; do echo "$k:$(get $k)"; done | grep -c ':HTTP/1.1 200')
is "$bad" "0" "oversized, malformed, POST and unknown requests get no 200 ($(for k in huge_header huge_url garbage bad_version post body_get not_found; do printf '%s=%s; ' $k "$(get $k)"; done))"
kill -0 $EPID; ok $? "the exporter is alive"
rss1=$(rss)
ok $([ "$rss1" -lt $((rss0 + 65536)) ] && [ "$rss1" -lt 200000 ]; echo $?) "resident memory bounded: $rss0 kB before, $rss1 kB after (limit: +64 MB, 200 MB)"
curl -s -o "$TMP/s9" 127.0.0.1:$PORT/metrics && grep -q '^dptune_scrape_duration_seconds' "$TMP/s9"; ok $? "a last scrape is whole"
done_testing
