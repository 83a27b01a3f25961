#!/usr/bin/env bash
# 73-promql.t: every PromQL expression we ship is checked against a real Prometheus and a
# real `dptune export` on a faulted lab (the tap lab's slow guest and a small-buffer socket,
# as in 71-prometheus.t).
#
# Without the exporter: promtool checks the scrape config and the rule files, runs every
# rules unit test (contrib/prometheus/tests/*.yml), and the dashboard JSON is checked for
# its shape (schema 39, ${DS_PROMETHEUS}, instance and netns variables, the panels the issue
# asks for) and for being what make-dashboard.py writes.
# With it: each `expr` of the dashboard (variables replaced by .*) and of the rule files is
# sent to /api/v1/query, where a parse error comes back as an error; those expected to have
# data on this lab must return at least one series; those expected empty are listed below
# with the reason, and only have to parse. `promtool check metrics` on a scrape is clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prom-lib.sh"
need_root
need_cmd python3 ip curl prometheus promtool

# Expected empty on the tap lab, and why (anything not listed must return data).
declare -A EMPTY=(
	[DptuneSoftnetBacklogDrops]="no backlog fault here: netdev_max_backlog is host-wide and would touch other tests"
	[DptuneSoftnetSqueezeWithDrops]="no backlog or NIC ring drops on this lab"
	[DptuneNicMissed]="veth and tap have no RX ring; the VM's virtio NIC does not overflow under this load"
	[DptuneNicQueueDrops]="veth per-queue drops move only in NAPI/XDP mode; virtio's queues do not overflow here"
	[DptuneConntrackNearFull]="no conntrack fault here: nf_conntrack_max is host-wide (read-only in namespaces)"
	[DptuneConntrackDrops]="no conntrack fault here (see DptuneConntrackNearFull)"
	[DptuneOvsLost]="no Open vSwitch in the tap lab"
	["OVS datapath lost upcalls/A"]="no Open vSwitch in the tap lab: no datapath to read"
	[DptuneExporterDown]="the exporter is up"
	["Series per host/B"]="dptune_series_limit is served only when --max-series is set"
)
# Expected to have data only where the BPF drop-reason tracer loaded.
TRACER_EXPRS="dptune_drop_reason_total|instance_layer:dptune_drop_reason"

mapfile -t DASH < <(dashboard_exprs)
mapfile -t RULES < <(rule_exprs)
TESTS=("$CONTRIB"/prometheus/tests/*.yml)
plan $(( 8 + ${#TESTS[@]} + 4 + ${#DASH[@]} + ${#RULES[@]} + 1 ))

# --- static: config, rules, unit tests, dashboard shape --------------------------------
out=$(promtool check config "$CONTRIB/prometheus/prometheus.yml" 2>&1); ok $? "promtool check config contrib/prometheus/prometheus.yml" || diag "$out"
out=$(promtool check rules "$PROM_RULES"/*.yml 2>&1); ok $? "promtool check rules: $(echo "$out" | grep -c SUCCESS) files" || diag "$out"
for t in "${TESTS[@]}"; do
	out=$(cd "$(dirname "$t")" && promtool test rules "$(basename "$t")" 2>&1)
	ok $? "promtool test rules $(basename "$t")" || diag "$out"
done
# every alert has a unit test that expects it to fire
missing=$(python3 - "$PROM_RULES"/dptune-alerts.yml "${TESTS[@]}" <<'EOF'
import sys,yaml
alerts={r["alert"] for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"] if "alert" in r}
fired=set()
for f in sys.argv[2:]:
    for t in yaml.safe_load(open(f)).get("tests",[]):
        for a in t.get("alert_rule_test",[]):
            if a.get("exp_alerts"): fired.add(a["alertname"])
print(" ".join(sorted(alerts-fired)))
EOF
)
is "$missing" "" "every alert has a unit test in which it fires"
out=$(python3 - "$DASHBOARD" <<'EOF'
import json,sys
d=json.load(open(sys.argv[1])); bad=[]
if d.get("schemaVersion")!=39: bad.append("schemaVersion %s" % d.get("schemaVersion"))
if not any(i.get("name")=="DS_PROMETHEUS" for i in d.get("__inputs",[])): bad.append("no DS_PROMETHEUS input")
v={t["name"]:t for t in d["templating"]["list"]}
for n in ("DS_PROMETHEUS","instance","netns"):
    if n not in v: bad.append("no variable "+n)
def panels(ps):
    for p in ps:
        yield p; yield from panels(p.get("panels",[]))
for p in panels(d["panels"]):
    if p["type"]=="row": continue
    for o in [p]+p.get("targets",[]):
        if o.get("datasource",{}).get("uid")!="${DS_PROMETHEUS}": bad.append("datasource of "+p["title"])
print("; ".join(bad))
EOF
)
is "$out" "" "dashboard: schemaVersion 39, \${DS_PROMETHEUS} everywhere, instance and netns variables"
titles=$(python3 -c 'import json,sys; print("\n".join(p["title"] for p in json.load(open(sys.argv[1]))["panels"]))' "$DASHBOARD")
want=("Drops per layer (counters)" "NET_RX softirqs per CPU" "si % per CPU" "softnet drops and squeezes per CPU"
	"IRQs per queue per CPU" "conntrack use per namespace" "Top dropping sockets")
miss=""; for w in "${want[@]}"; do grep -qxF "$w" <<<"$titles" || miss="$miss '$w'"; done
is "$miss" "" "dashboard has the panels operators draw by hand"
heat=$(python3 -c 'import json,sys; print(sorted(p["title"] for p in json.load(open(sys.argv[1]))["panels"] if p["type"]=="heatmap"))' "$DASHBOARD")
is "$heat" "['NET_RX softirqs per CPU', 'si % per CPU']" "NET_RX and si % per CPU are heatmaps"
diff <(python3 "$CONTRIB/grafana/make-dashboard.py") "$DASHBOARD" >/dev/null
ok $? "dptune-dashboard.json is what make-dashboard.py writes"
# every dptune_* name we use is a family the exporter serves (its --list-metrics, which is
# docs/metrics.md; the file itself when this dptune has no export command)
if "$DPTUNE" export --list-metrics >"/tmp/$P-fam.md" 2>/dev/null || cp "$ROOT/docs/metrics.md" "/tmp/$P-fam.md" 2>/dev/null; then
	on_cleanup "rm -f /tmp/$P-fam.md"
	unknown=$(python3 - "/tmp/$P-fam.md" "$DASHBOARD" "$PROM_RULES"/*.yml "${TESTS[@]}" <<'EOF'
import re,sys
fams=set(re.findall(r"^\| `(dptune_[a-z0-9_]+)`", open(sys.argv[1]).read(), re.M))
used=set()
for f in sys.argv[2:]:
    for n in re.findall(r"(?<![:a-z_])(dptune_[a-z0-9_]+)", open(f).read()):
        used.add(n)
print(" ".join(sorted(used-fams)))
EOF
)
	is "$unknown" "" "every metric name in the dashboard, rules and rule tests is in the exporter's family list"
else
	skip "no dptune export --list-metrics and no docs/metrics.md"
fi

# --- live: a real exporter and Prometheus on the faulted lab -----------------------------
live_skip() { local i; for i in $(seq "$1"); do skip "$2"; done; done_testing; exit; }
NLIVE=$(( 4 + ${#DASH[@]} + ${#RULES[@]} + 1 ))
"$DPTUNE" export --help >/dev/null 2>&1 || live_skip $NLIVE "dptune export not built"
faulted_lab soft || live_skip $NLIVE "dptune lab up tap failed: $LAB_ERR"
prom_tmp
port=$(free_port)
# Only the lab's namespaces and the host's: other tests' namespaces on a shared machine
# would make every scrape slow and bring their own drops into the rules.
export_start 127.0.0.1 "$port" "" --netns "host,$HV_NS,$VM_NS,$CLI_NS"
ok $? "dptune export on 127.0.0.1:$port (--netns host,$HV_NS,$VM_NS,$CLI_NS)" || live_skip $((NLIVE - 1)) "no exporter"
targets_file "$PROM_DIR/targets.yml" "127.0.0.1:$port"
prom_rules_copy "$PROM_DIR/rules"
prom_config "$PROM_DIR/prometheus.yml" "$PROM_DIR/targets.yml" "$PROM_DIR/rules"
prom_start "$PROM_DIR/prometheus.yml"; ok $? "prometheus ready on $PROM_ADDR" || live_skip $((NLIVE - 2)) "no prometheus"
prom_wait 'up{job="dptune"} == 1' 30; ok $? "the exporter is scraped"
lab_traffic
prom_wait "ALERTS{alertname=\"DptuneVirtualDeviceDrops\", alertstate=\"firing\", device=\"$TAP\"}" 40
ok $? "the lab's fault is seen (DptuneVirtualDeviceDrops fires for $TAP)"
sleep 3 # a few more evaluations: every recording rule has a value, every 1m rate two samples
tracer=0; [ "$(prom_count 'dptune_drop_reason_total')" -gt 0 ] 2>/dev/null && tracer=1
[ $tracer = 1 ] || diag "no dptune_drop_reason_total series: the drop-reason tracer did not load; its expressions are expected empty"

check_expr() { # name expr
	local name=$1 expr=$2 n why=""
	n=$(prom_count "$expr")
	case $n in error*) ok 1 "$name: parses ($n)"; diag "$expr"; return ;; esac
	if [ -n "${EMPTY[$name]:-}" ]; then why=${EMPTY[$name]}
	elif [ $tracer = 0 ] && grep -qE "$TRACER_EXPRS" <<<"$expr"; then why="drop-reason tracer not loaded"
	fi
	if [ -n "$why" ]; then ok 0 "$name: parses; $n series (expected empty: $why)"
	else
		# a scrape that timed out on the loaded machine leaves instant selectors empty
		# (stale) for a second: ask again for a few seconds before calling it empty
		for _ in 1 2 3 4 5 6 7 8; do [ "$n" -gt 0 ] && break; sleep 1; n=$(prom_count "$expr"); done
		ok $([ "$n" -gt 0 ]; echo $?) "$name: parses and returns data ($n series)" || diag "$expr"
	fi
}
for l in "${DASH[@]}"; do check_expr "${l%%$'\t'*}" "${l#*$'\t'}"; done
for l in "${RULES[@]}"; do check_expr "${l%%$'\t'*}" "${l#*$'\t'}"; done

curl -sf "http://127.0.0.1:$port/metrics" > "$PROM_DIR/scrape.txt"
out=$(promtool check metrics < "$PROM_DIR/scrape.txt" 2>&1); rc=$?
ok $([ $rc -eq 0 ] && [ -z "$out" ]; echo $?) "promtool check metrics on a scrape ($(grep -vc '^#' "$PROM_DIR/scrape.txt") samples): no problem" ||
	diag "$(echo "$out" | head -20)"
done_testing
