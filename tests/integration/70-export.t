#!/usr/bin/env bash
# 70-export.t: `dptune export` serves a scrape Prometheus accepts (promtool check metrics),
# with the right netns/device labels and counters that move under an injected fault (a
# pfifo qdisc of length 0 that drops every packet on a veth); OpenMetrics on request; concurrent
# scrapes share one collection; namespaces that come and go leave no series and no fd
# behind; --max-series cuts and says so; basic auth (bcrypt) and TLS from a
# node_exporter-style web config; docs/metrics.md is what --list-metrics prints.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd curl python3 tc
plan 26
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$TMP"

# 1: the family table and the documentation agree
"$DPTUNE" export --list-metrics > "$TMP/list.md"
sed -n '/^| name | type/,$p' "$ROOT/docs/metrics.md" > "$TMP/doc.md"
diff -u "$TMP/doc.md" "$TMP/list.md" > "$TMP/diff" ; ok $? "docs/metrics.md lists exactly the families of dptune export --list-metrics" || head -20 "$TMP/diff" | sed 's/^/# /'

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# start_export OUT ARGS...: start the exporter, wait for its start-up document; EPID, EPORT
start_export() {
	local out=$1; shift
	EPORT=$(freeport)
	"$DPTUNE" export --listen 127.0.0.1:$EPORT --json "$@" > "$out" 2> "$out.err" & EPID=$!
	bg_pid $EPID
	for _ in $(seq 1 600); do
		[ -s "$out" ] && return 0
		kill -0 $EPID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
scrape() { curl -s --max-time 20 "$@"; }
val() { # FILE METRIC LABELMATCH...: the sum of matching samples
	python3 - "$@" <<'PY'
import sys,re
f,name,*want=sys.argv[1:]
tot=None
for line in open(f):
    if not line.startswith(name+"{") and not line.startswith(name+" "): continue
    m=re.match(r'([^{ ]+)(\{(.*)\})? (\S+)$', line.strip())
    if not m or m.group(1)!=name: continue
    labels=dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    if all(labels.get(k)==v for k,v in (w.split("=",1) for w in want)):
        tot=(tot or 0)+float(m.group(4))
print("none" if tot is None else int(tot) if tot==int(tot) else tot)
PY
}

veth_pair 7
nsx b python3 -c 'import socket' || skip_all "no python3 in namespaces"
start_export "$TMP/start.json" --netns ${P}a; ok $? "export starts and prints its start-up document" || cat "$TMP/start.json.err" | sed 's/^/# /'
is "$(json_get 'd["listen"]' < "$TMP/start.json")" "127.0.0.1" "start-up document says where it listens"
URL=http://127.0.0.1:$EPORT

scrape -o "$TMP/s0" -D "$TMP/h0" $URL/metrics; ok $? "GET /metrics answers"
grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/h0"; ok $? "text format 0.0.4 content type"
is "$(val "$TMP/s0" dptune_link_receive_packets_total netns=${P}a device=${P}a kind=veth | sed 's/[0-9]\+/N/')" "N" \
	"dptune_link_receive_packets_total has netns=${P}a device=${P}a kind=veth"
is "$(grep -c "netns=\"${P}b" "$TMP/s0")" "0" "no series for a namespace outside --netns"
if command -v promtool >/dev/null; then
	promtool check metrics < "$TMP/s0" > "$TMP/promtool" 2>&1; rc=$?
	ok $(( rc != 0 || $(wc -l < "$TMP/promtool") )) "promtool check metrics reports nothing" || head "$TMP/promtool" | sed 's/^/# /'
else skip "no promtool"; fi

# the fault: every packet ${P}a sends is dropped by a pfifo of length 0; 200 datagrams
nsx a tc qdisc replace dev ${P}a root pfifo limit 0
nsx a ip neigh replace $B4 lladdr 02:00:00:00:00:01 dev ${P}a nud permanent
scrape -o "$TMP/s1" $URL/metrics
q1=$(val "$TMP/s1" dptune_qdisc_drops_total netns=${P}a device=${P}a kind=pfifo)
nsx a python3 -c "
import socket
s=socket.socket(2,2)
for i in range(200): s.sendto(b'x'*32,('$B4',9))"
scrape -o "$TMP/s2" $URL/metrics
q2=$(val "$TMP/s2" dptune_qdisc_drops_total netns=${P}a device=${P}a kind=pfifo)
ok $([ "$q1" != none ] && [ "$q2" != none ] && [ $((q2 - q1)) -ge 200 ]; echo $?) \
	"dptune_qdisc_drops_total{netns=${P}a,device=${P}a,kind=pfifo} rose by >= 200 ($q1 -> $q2)"
if [ "$(val "$TMP/s2" dptune_collector_up collector=dropreason)" = 1 ]; then
	d=$(python3 -c "
import re,sys
for l in open('$TMP/s2'):
    if l.startswith('dptune_drop_reason_total{') and 'netns=\"${P}a\"' in l: print(l.strip())" | head -3)
	ok $([ -n "$d" ]; echo $?) "dptune_drop_reason_total has a series in ${P}a ($(echo $d | cut -c1-150))"
else
	skip "drop-reason tracer not loaded here: $(json_get 'd.get("drop_reasons_why","")' < "$TMP/start.json")"
fi

# OpenMetrics when asked
scrape -H 'Accept: application/openmetrics-text; version=1.0.0' -D "$TMP/h2" -o "$TMP/s3" $URL/metrics
grep -qi '^content-type: application/openmetrics-text' "$TMP/h2" && [ "$(tail -1 "$TMP/s3")" = "# EOF" ]
ok $? "OpenMetrics on request (content type, # EOF)"
grep -q '^# TYPE dptune_link_receive_packets counter$' "$TMP/s3"; ok $? "OpenMetrics counter family named without _total"

# a socket that drops is exported with its address and owning process; one that does not is not
nsx_bg a python3 -c '
import socket,time
r=socket.socket(2,2); r.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,1024); r.bind(("127.0.0.1",7777))
q=socket.socket(2,2); q.bind(("127.0.0.1",7778))
s=socket.socket(2,2)
for i in range(300): s.sendto(b"x"*1000,("127.0.0.1",7777))
time.sleep(60)'
# the 300 sends are done once the socket drops (python's start-up is slow on a loaded host):
# scrape until it shows, at most 20 s
for _ in $(seq 40); do
	scrape -o "$TMP/k" $URL/metrics
	sd=$(val "$TMP/k" dptune_socket_drops_total netns=${P}a proto=udp address=127.0.0.1:7777 process=python3)
	[ "$sd" != none ] && [ "$sd" -gt 0 ] && break
	sleep 0.5
done
ok $([ "$sd" != none ] && [ "$sd" -gt 0 ]; echo $?) "dptune_socket_drops_total{netns=${P}a,proto=udp,address=127.0.0.1:7777,process=python3} = $sd"
is "$(grep -c '127.0.0.1:7778' "$TMP/k")" "0" "a socket that did not drop has no series"
kill $BG 2>/dev/null

# concurrent scrapes share a collection
c0=$(val "$TMP/s2" dptune_collections_total)
# Six requests made whole within microseconds of each other: each socket gets all of its
# request but the blank line that ends it, then the six blank lines go out back to back, so
# they reach the server while the first one's collection runs (six curl processes started
# one after another may each find the last collection already over).
python3 - "$EPORT" "$TMP" <<'PY'
import socket,sys
port,tmp=int(sys.argv[1]),sys.argv[2]
ss=[socket.create_connection(("127.0.0.1",port),timeout=20) for _ in range(6)]
for s in ss:
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
for s in ss:
    s.sendall(b"\r\n")
for i,s in enumerate(ss,1):
    data=b""
    while True:
        b=s.recv(65536)
        if not b: break
        data+=b
    s.close()
    body=data.split(b"\r\n\r\n",1)[1] if b"\r\n\r\n" in data else b""
    open("%s/p%d" % (tmp,i),"wb").write(body)
PY
scrape -o "$TMP/s4" $URL/metrics
c1=$(val "$TMP/s4" dptune_collections_total); n1=$(val "$TMP/s4" dptune_scrapes_total); n0=$(val "$TMP/s2" dptune_scrapes_total)
ok $([ $((c1 - c0)) -lt $((n1 - n0)) ]; echo $?) "7 scrapes, 6 at once, took fewer collections ($((c1 - c0))) than scrapes ($((n1 - n0)))"
is "$(grep -L '^dptune_scrape_duration_seconds' "$TMP"/p? | wc -l)" "0" "every concurrent scrape got a whole exposition"

# namespaces come and go: no series left, no fd leaked. The exporter reads one namespace
# (${P}g) that is created and deleted three times. The engine also holds a handle on every
# namespace of the host (other tests create and delete theirs meanwhile), so fds are
# counted without those handles (see fdlist), and none may point at the deleted namespace.
kill $EPID; wait $EPID 2>/dev/null
start_export "$TMP/start2.json" --netns ${P}g; URL=http://127.0.0.1:$EPORT
# namespace handles aside, and the pidfds by which the engine watches the processes that
# hold other tests' namespaces (anon_inode:[pidfd], one per such namespace while it lives)
fdlist() { for f in /proc/$EPID/fd/*; do echo "${f##*/} $(readlink "$f")"; done |
	grep -v ' /run/netns/\| net:\[\| anon_inode:\[pidfd\]' | sort -n; }
# the fewest over half a second: a leaked fd stays, while the socket of the scrape just
# answered may still be open for a moment on a loaded machine (the server closes it after
# the client has read the answer)
nfd() {
	local n m
	n=$(fdlist | wc -l)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.05
		m=$(fdlist | wc -l)
		[ "$m" -lt "$n" ] && n=$m
	done
	echo "$n"
}
scrape -o /dev/null $URL/metrics; scrape -o "$TMP/g0" $URL/metrics
fd0=$(nfd); fdlist > "$TMP/fd0"; fds= held=0
for r in 1 2 3; do
	mkns g; ip -n ${P}g link add ${P}x type veth peer name ${P}y
	ino=$(stat -L -c %i /run/netns/${P}g)
	scrape -o "$TMP/g$r" $URL/metrics
	ip netns del ${P}g
	scrape -o "$TMP/h$r" $URL/metrics
	fds+=" $(nfd)"; fdlist > "$TMP/fd$r"
	# every fd, none left out, for the failure report below (which handle a new fd is of)
	for f in /proc/$EPID/fd/*; do echo "${f##*/} $(readlink "$f")"; done | sort -n > "$TMP/fdall$r"
	held=$((held + $(for f in /proc/$EPID/fd/*; do readlink "$f"; done | grep -c "net:\[$ino\]")))
done
is "$(val "$TMP/g3" dptune_link_receive_packets_total netns=${P}g device=${P}x kind=veth | sed 's/[0-9]\+/N/')" "N" "a new namespace's series appear"
is "$(grep -c "netns=\"${P}g" "$TMP/h3")" "0" "a deleted namespace's series are gone at the next scrape"
grew=0; for f in $fds; do [ "$f" -gt "$fd0" ] && grew=1; done
ok $([ $grew = 0 ] && [ $held = 0 ]; echo $?) "no fd left behind by 3 rounds of a namespace created, scraped and deleted: fds (namespace handles aside)$fds, before $fd0; handles still on a deleted one: $held" ||
	for r in 1 2 3; do diff "$TMP/fd0" "$TMP/fd$r" | sed "s/^/70-export: fds after round $r: /" >&2
		sed "s/^/70-export: every fd after round $r: /" "$TMP/fdall$r" >&2; done
kill $EPID; wait $EPID 2>/dev/null

# a namespace only a process holds is labelled by the container id in its cgroup and the
# process name (a pids cgroup named as docker names its scopes stands in for docker)
CG=/sys/fs/cgroup/pids
[ -d $CG ] || CG=/sys/fs/cgroup/unified
[ -d $CG ] || CG=/sys/fs/cgroup
CID=$(printf '%s' "$P" | sha256sum | cut -c1-64)
if mkdir "$CG/docker-$CID.scope" 2>/dev/null; then
	on_cleanup rmdir "$CG/docker-$CID.scope"
	unshare -n sleep 60 & SP=$!; bg_pid $SP
	sleep 0.3
	echo $SP > "$CG/docker-$CID.scope/cgroup.procs"
	start_export "$TMP/start6.json" --netns "docker:${CID:0:12}/sleep" --no-drop-reasons
	scrape -o "$TMP/c" http://127.0.0.1:$EPORT/metrics
	is "$(val "$TMP/c" dptune_udp_sockets netns=docker:${CID:0:12}/sleep)" "0" "a container's namespace is labelled netns=\"docker:${CID:0:12}/sleep\" (cgroup id and process name, no pid)"
	kill $EPID $SP; wait $EPID $SP 2>/dev/null
else
	skip "cannot create a cgroup under $CG"
fi

# --max-series
start_export "$TMP/start3.json" --max-series 50 --no-drop-reasons --netns ${P}a
scrape -o "$TMP/m" http://127.0.0.1:$EPORT/metrics
is "$(val "$TMP/m" dptune_series_limit_hit)/$(val "$TMP/m" dptune_scrape_series)" "1/50" "--max-series 50: 50 series and dptune_series_limit_hit 1"
grep -q 'max-series 50 reached' "$TMP/start3.json.err"; ok $? "and a log line says so"
kill $EPID; wait $EPID 2>/dev/null

# basic auth with a bcrypt hash, from a node_exporter-style web config
if command -v htpasswd >/dev/null; then
	hash=$(htpasswd -nbBC 5 prom s3cret | cut -d: -f2-)
else
	hash=$(python3 -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)))' 2>/dev/null)
fi
printf 'basic_auth_users:\n  prom: %s\n' "$hash" > "$TMP/web.yml"
start_export "$TMP/start4.json" --web.config.file "$TMP/web.yml" --no-drop-reasons --netns host
a1=$(scrape -o /dev/null -w '%{http_code}' http://127.0.0.1:$EPORT/metrics)
a2=$(scrape -o /dev/null -w '%{http_code}' -u prom:wrong http://127.0.0.1:$EPORT/metrics)
a3=$(scrape -o /dev/null -w '%{http_code}' -u prom:s3cret http://127.0.0.1:$EPORT/metrics)
is "$a1 $a2 $a3" "401 401 200" "basic auth: none 401, wrong password 401, right password 200"
kill $EPID; wait $EPID 2>/dev/null

# TLS
if ! command -v openssl >/dev/null; then skip "no openssl"; skip "no openssl"
else
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$TMP/k.pem" -out "$TMP/c.pem" 2>/dev/null
	printf 'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n' > "$TMP/tls.yml"
	start_export "$TMP/start5.json" --web.config.file "$TMP/tls.yml" --no-drop-reasons --netns host; rc=$?
	if [ $rc -ne 0 ] && grep -q 'built without' "$TMP/start5.json.err"; then
		skip "libmicrohttpd here has no TLS: $(cat "$TMP/start5.json.err")"; skip "no TLS"
	else
		is "$(json_get 'd["tls"]' < "$TMP/start5.json")" "True" "start-up document says TLS"
		t=$(scrape -o "$TMP/t" -w '%{http_code}' --cacert "$TMP/c.pem" https://localhost:$EPORT/metrics)
		is "$t $(grep -c '^dptune_scrape_duration_seconds' "$TMP/t")" "200 1" "a scrape over TLS, the certificate verified"
		kill $EPID; wait $EPID 2>/dev/null
	fi
fi
# a web config with a key dptune does not implement is refused, not ignored
printf 'http_server_config:\n  http2: true\n' > "$TMP/bad.yml"
"$DPTUNE" export --web.config.file "$TMP/bad.yml" > /dev/null 2> "$TMP/bad.err"
is "$?" "1" "an unsupported web config key is refused (exit 1: $(head -c 120 "$TMP/bad.err"))"
done_testing
