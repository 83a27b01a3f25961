# prom-lib.sh: a real Prometheus and real `dptune export` processes for the fleet tests
# (71-prometheus, 72-fleet, 73-promql). Source lib.sh first. Everything started here is
# killed by PID in lib.sh's cleanup trap; temp dirs are removed there too.
#
# The test's Prometheus reads the rule files of contrib/prometheus/rules as shipped, except
# that every alert's `for:` is rewritten to 0s (prom_rules_copy): the shipped windows are
# minutes, a test lasts seconds. Expressions and thresholds are the shipped ones.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CONTRIB=$ROOT/contrib
PROM_RULES=$CONTRIB/prometheus/rules
DASHBOARD=$CONTRIB/grafana/dptune-dashboard.json
PROM_NS=""        # namespace Prometheus runs in ("" = this one)
PROM_ADDR=""      # ADDR:PORT of its web API
PROM_DIR=""

# need_export: skip the whole test while this dptune has no `export` command.
need_export() {
	"$DPTUNE" export --help >/dev/null 2>&1 || skip_all "dptune export not built ($DPTUNE export --help fails)"
}

# free_port [NETNS]: a TCP port free on loopback right now (in NETNS when given).
free_port() {
	${1:+ip netns exec "$1"} python3 -c '
import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# prom_tmp: a temp dir for this test's Prometheus files, removed at cleanup.
prom_tmp() {
	PROM_DIR=$(mktemp -d "/tmp/$P-prom.XXXXXX")
	on_cleanup "rm -rf $PROM_DIR"
}

# prom_rules_copy DIR: the shipped rule files copied into DIR with every `for:` set to 0s.
prom_rules_copy() {
	local f
	mkdir -p "$1"
	for f in "$PROM_RULES"/*.yml; do
		sed -E 's/^([[:space:]]*for:).*/\1 0s/' "$f" > "$1/$(basename "$f")"
	done
}

# prom_config FILE TARGETS_FILE RULES_DIR: a config that scrapes the file_sd targets in
# TARGETS_FILE every second and evaluates the rules of RULES_DIR every second.
prom_config() {
	cat > "$1" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files:
  - $3/*.yml
scrape_configs:
  - job_name: dptune
    file_sd_configs:
      - files: ['$2']
        refresh_interval: 1s
EOF
}

# prom_start CONFIG [NETNS]: start Prometheus on a free loopback port (in NETNS when
# given), with its own data dir; wait until it is ready. Sets PROM_ADDR, PROM_NS, PROM_PID.
prom_start() {
	local port i
	PROM_NS=${2:-}
	port=$(free_port "$PROM_NS")
	PROM_ADDR=127.0.0.1:$port
	${PROM_NS:+ip netns exec "$PROM_NS"} timeout 600 prometheus --config.file="$1" \
		--storage.tsdb.path="$PROM_DIR/data" --web.listen-address="$PROM_ADDR" \
		--log.level=warn >"$PROM_DIR/prometheus.log" 2>&1 &
	PROM_PID=$!; T_PIDS+=("$PROM_PID")
	for i in $(seq 200); do
		prom_curl "/-/ready" >/dev/null 2>&1 && return 0
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "prometheus did not become ready: $(tail -5 "$PROM_DIR/prometheus.log")"
	return 1
}

# prom_curl PATH [curl args...]: GET/POST to the test's Prometheus.
prom_curl() {
	local path=$1; shift
	${PROM_NS:+ip netns exec "$PROM_NS"} curl -sf --max-time 10 "$@" "http://$PROM_ADDR$path"
}

# prom_query EXPR: the raw JSON answer of /api/v1/query (an error answer too), evaluated
# now, or at $PROM_TIME (UNIX seconds) when it is set, so several queries see one instant.
prom_query() {
	${PROM_NS:+ip netns exec "$PROM_NS"} curl -s --max-time 10 \
		--data-urlencode "query=$1" ${PROM_TIME:+--data-urlencode "time=$PROM_TIME"} \
		"http://$PROM_ADDR/api/v1/query"
}

# prom_count EXPR: how many series EXPR returns now ("error: ..." when it is rejected).
prom_count() {
	prom_query "$1" | python3 -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception as e: print("error: no JSON answer"); sys.exit()
if d.get("status")!="success": print("error: %s: %s" % (d.get("errorType"), d.get("error")))
elif d["data"]["resultType"] in ("vector","matrix"): print(len(d["data"]["result"]))
else: print(1)'
}

# prom_series EXPR: one line per series: its labels as k=v,k=v then a tab and the value.
prom_series() {
	prom_query "$1" | python3 -c '
import json,sys
d=json.load(sys.stdin)
for r in d.get("data",{}).get("result",[]):
    m=r["metric"]; print(",".join("%s=%s" % (k,m[k]) for k in sorted(m)) + "\t" + r["value"][1])'
}

# prom_wait EXPR SECONDS: wait until EXPR returns at least one series; 0 when it did.
prom_wait() {
	local end=$((SECONDS + $2)) n
	while [ $SECONDS -lt $end ]; do
		n=$(prom_count "$1")
		case $n in error*|0) ;; *) return 0 ;; esac
		sleep 0.5
	done
	return 1
}

# export_start ADDR PORT [NETNS] [ARGS...]: start `dptune export --listen ADDR:PORT` (in
# NETNS when given and not empty) and wait until /metrics answers. Sets EXPORT_PID.
export_start() {
	local addr=$1 port=$2 ns=${3:-} i
	shift 3 2>/dev/null || shift $#
	${ns:+ip netns exec "$ns"} "$DPTUNE" export --listen "$addr:$port" "$@" \
		>"/tmp/$P-export-$port.log" 2>&1 &
	EXPORT_PID=$!; T_PIDS+=("$EXPORT_PID")
	on_cleanup "rm -f /tmp/$P-export-$port.log"
	for i in $(seq 100); do
		${ns:+ip netns exec "$ns"} curl -sf --max-time 5 -o /dev/null "http://$addr:$port/metrics" && return 0
		kill -0 "$EXPORT_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "dptune export on $addr:$port did not answer: $(tail -5 "/tmp/$P-export-$port.log")"
	return 1
}

# targets_file FILE HOST:PORT...: a file_sd targets file (YAML) listing the targets.
targets_file() {
	local f=$1 t; shift
	{
		echo "- targets:"
		for t; do echo "    - '$t'"; done
		echo "  labels:"
		echo "    env: test"
	} > "$f.tmp" && mv "$f.tmp" "$f"
}

# dashboard_exprs: every PromQL `expr` of the dashboard's panels, one per line, as
# "PANEL TITLE/REFID<TAB>EXPR", with the template variables replaced by what matches
# everything ($instance, $netns: .*) and $__rate_interval by 1m.
dashboard_exprs() {
	python3 - "$DASHBOARD" <<'EOF'
import json,sys
d=json.load(open(sys.argv[1]))
def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels",[]))
for p in panels(d.get("panels",[])):
    for t in p.get("targets",[]):
        e=t.get("expr","")
        if not e.strip(): continue
        e=e.replace("$__rate_interval","1m").replace("$__interval","15s").replace("$__range","1h")
        for var in ("instance","netns","device","job"):
            e=e.replace("${%s:regex}" % var,".*").replace("${%s}" % var,".*").replace("$%s" % var,".*")
        print("%s/%s\t%s" % (p["title"], t.get("refId","A"), " ".join(e.split())))
EOF
}

# rule_exprs: every `expr` of the shipped rule files, one per line, as "NAME<TAB>EXPR"
# (a recording rule's name is followed by its layer label when it has one).
rule_exprs() {
	python3 - "$PROM_RULES"/*.yml <<'EOF'
import sys,yaml
for f in sys.argv[1:]:
    for g in yaml.safe_load(open(f))["groups"]:
        for r in g["rules"]:
            n=r.get("alert") or r.get("record")
            if r.get("labels",{}).get("layer") and r.get("record"): n+="{layer=%s}" % r["labels"]["layer"]
            print("%s\t%s" % (n, " ".join(r["expr"].split())))
EOF
}

# faulted_lab: the tap lab (a VM's vNIC: cli -> bridge -> tap -> slow guest -> vm) with the
# slowguest fault on, named ${P}t. Sets LAB, TAP (host-side tap), HV_NS, VM_NS, CLI_NS,
# LAB_ADDR. When the lab cannot run here: skips the whole test, or with "soft" returns 1.
faulted_lab() {
	local js out
	LAB=${P}t
	on_cleanup "$DPTUNE lab down $LAB"
	if ! out=$("$DPTUNE" lab up tap --name "$LAB" 2>&1); then
		[ "${1:-}" = soft ] && { LAB_ERR=$(echo "$out" | tail -1); return 1; }
		skip_all "dptune lab up tap failed: $(echo "$out" | tail -1)"
	fi
	js=$("$DPTUNE" lab status "$LAB" --json)
	TAP=$(echo "$js" | json_get '[h["dev"] for h in d["labs"][0]["path"] if h["kind"]=="tap"][0]')
	HV_NS=$(echo "$js" | json_get '[h["netns"] for h in d["labs"][0]["path"] if h["kind"]=="tap"][0]')
	LAB_ADDR=$(echo "$js" | json_get 'd["labs"][0]["target"]["addr"]')
	VM_NS=dl-$LAB-vm CLI_NS=dl-$LAB-cli
	"$DPTUNE" lab fault "$LAB" slowguest >/dev/null
}

# lab_traffic: bounded load on the faulted lab. (1) In the guest's namespace, a UDP socket
# with a 1 KB receive buffer that never reads gets 2000 datagrams over loopback: its drops
# are that namespace's UdpRcvbufErrors and a per-socket series; it stays open (at most
# 300 s, killed at cleanup) so the exporter keeps seeing it. (2) `dptune bench` at 20 kpps
# for 2 s from the client through the slow guest's tap: the tap's tx_dropped.
lab_traffic() {
	local i sp
	"$DPTUNE" lab exec "$LAB:vm" -- timeout 300 python3 -c '
import socket,time
r=socket.socket(2,2); r.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,1024); r.bind(("127.0.0.1",5600))
s=socket.socket(2,2)
for i in range(2000): s.sendto(b"x"*200,("127.0.0.1",5600))
print("sent",flush=True); time.sleep(300)' >"/tmp/$P-sock.out" 2>&1 &
	T_PIDS+=("$!"); on_cleanup "rm -f /tmp/$P-sock.out"
	"$DPTUNE" lab exec "$LAB:vm" -- timeout 30 "$DPTUNE" serve --bind "$LAB_ADDR" --port 5500 >/dev/null 2>&1 &
	sp=$!; T_PIDS+=("$sp")
	for i in $(seq 50); do
		"$DPTUNE" lab exec "$LAB:cli" -- bash -c "echo > /dev/tcp/$LAB_ADDR/5500" 2>/dev/null && break
		sleep 0.1
	done
	"$DPTUNE" lab exec "$LAB:cli" -- timeout 20 "$DPTUNE" bench "$LAB_ADDR" --port 5500 --rate 20k \
		--duration 2 >/dev/null 2>&1
	kill "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
	for i in $(seq 50); do grep -q sent "/tmp/$P-sock.out" 2>/dev/null && break; sleep 0.1; done
}
