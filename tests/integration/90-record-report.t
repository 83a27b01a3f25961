#!/usr/bin/env bash
# 90-record-report.t (issue 15's must-show): `dptune record` a veth lab with the tiny-backlog
# fault while a bounded bench runs inside it, then `dptune report`; the report opens in
# headless Chromium with no console error and no request leaving the file, has the charts
# it must have, and the backlog drop total it shows equals the one computed from the
# recording itself (zstdcat + python). A screenshot is kept in build/test-artefacts/.
# The fault lowers net.core.netdev_max_backlog; the lab restores it (also in the trap).
# serial: the tiny-backlog fault is host-wide (net.core.netdev_max_backlog)
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 zstdcat
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || skip_all "needs chromium"
plan 32
export DPTUNE_LAB_DIR=$(mktemp -d /tmp/$P-lab.XXXXXX)
L=r${P#t}
T=$(mktemp -d /tmp/$P.XXXXXX)
ART=$(cd "$(dirname "$0")/../.." && pwd)/build/test-artefacts
mkdir -p "$ART"
on_cleanup "for n in \$(ls $DPTUNE_LAB_DIR | sed 's/\\.json\$//'); do $DPTUNE lab down \$n; done; rm -rf $DPTUNE_LAB_DIR $T"

"$DPTUNE" lab up veth --name "$L" >/dev/null || skip_all "cannot build a veth lab"
read -r ADDR PORT CNS SNS BIND < <("$DPTUNE" lab status "$L" --json | python3 -c '
import json,sys
l=json.load(sys.stdin)["labs"][0]; t=l["target"]; nodes={n["name"]:n for n in l["nodes"]}
print(t["addr"], t["port_lo"], nodes[t["client"]]["netns"], nodes[t["server"]]["netns"], nodes[t["server"]]["addr"].split("/")[0])')
ip netns exec "$SNS" timeout 900 "$DPTUNE" serve --bind "$BIND" --port "$PORT" >/dev/null 2>&1 &
T_PIDS+=("$!")
for i in $(seq 50); do ip netns exec "$CNS" bash -c "echo > /dev/tcp/$BIND/$PORT" 2>/dev/null && break; sleep 0.1; done
"$DPTUNE" lab fault "$L" backlog >/dev/null
ok $? "the tiny-backlog fault is in"

# 1. record while the bench runs (--json is added to the dptune command by record); the
# sender at SCHED_FIFO and 100k, as 65-doctor, so it gets the CPU to overflow the backlog
"$DPTUNE" record -o "$T/rec.zst" -i 0.5 --json -- ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" \
	--port "$PORT" --rate 100k --duration 3 --flows 8 --sched fifo > "$T/record.json" 2>"$T/record.err"
ok $? "record -- bench exits 0" || cat "$T/record.err" | while read -r l; do diag "$l"; done
zstdcat "$T/rec.zst" > "$T/rec.jsonl"
ok $? "zstdcat reads the recording"
if command -v jq >/dev/null; then
	is "$(zstdcat "$T/rec.zst" | jq -r .type | sort -u | tr '\n' ' ')" "base command end header knobs links sample series " \
		"zstdcat FILE | jq reads every line"
else
	skip "jq is not installed"
fi
# (bench exits 1 when it lost packets, as it does here: the exit is stored, not judged)
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["stop"], d["command_exit"])' "$T/record.json")" \
	"command $(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-2]["exit"])' "$T/rec.jsonl")" \
	"the recording stopped when the bench ended, with the bench's exit stored"
python3 - "$T/rec.jsonl" > "$T/facts" <<'PY'
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
types=[l["type"] for l in lines]
series={l["id"]:l for l in lines if l["type"]=="series"}
backlog=0
for l in lines:
    if l["type"]!="sample": continue
    d=l["d"]
    for i in range(0,len(d),2):
        s=series[d[i]]
        if s["layer"]=="backlog" and s.get("drop") and not s.get("benign"): backlog+=d[i+1]
cmd=[l for l in lines if l["type"]=="command"]
print("first", types[0])
print("last", types[-1])
print("samples", types.count("sample"))
print("backlog", backlog)
# the worst interval: the sample with the most drops; its backlog drops
best=None
for l in lines:
    if l["type"]!="sample": continue
    d=l["d"]; tot=0; bl=0
    for i in range(0,len(d),2):
        s=series[d[i]]
        if s.get("drop") and not s.get("benign"):
            tot+=d[i+1]
            if s["layer"]=="backlog": bl+=d[i+1]
    if tot>0 and (best is None or tot>best[0]): best=(tot,bl)
print("worst_backlog", best[1] if best else "none")
print("bench", "forward" in cmd[0]["output"][-1] if cmd and cmd[0]["output"] else False)
print("knob", any(k["name"]=="net.core.netdev_max_backlog" and k["value"]=="4" for l in lines if l["type"]=="knobs" for k in l["knobs"]))
PY
fact() { awk -v k="$1" '$1==k {print $2}' "$T/facts"; }
is "$(fact first) $(fact last)" "header end" "the recording starts with its header and ends with its end line"
ok $([ "$(fact samples)" -ge 4 ]; echo $?) "it holds samples every 0.5 s ($(fact samples))"
is "$(fact bench)" "True" "it holds the bench's own JSON result"
is "$(fact knob)" "True" "it holds the knobs (netdev_max_backlog at the fault's 4)"
BACKLOG=$(fact backlog)
ok $([ "$BACKLOG" -gt 0 ]; echo $?) "the recording saw backlog drops ($BACKLOG)" || diag "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# 2. the report
"$DPTUNE" report "$T/rec.zst" -o "$T/report.html" --json > "$T/report.out" 2>"$T/report.err"
ok $? "report exits 0 on a clean recording" || cat "$T/report.err" | while read -r l; do diag "$l"; done
echo "not a recording" > "$T/junk"
"$DPTUNE" report "$T/junk" -o "$T/junk.html" --json > "$T/junk.out" 2>/dev/null
is "$?:$(python3 -c '
import json,sys
a=json.load(open(sys.argv[1])); b=[json.loads(l) for l in open(sys.argv[2])][-1]
print(a["damaged"], a["samples"] > 0, b["error"]["exit"])' "$T/report.out" "$T/junk.out")" "1:False True 1" \
	"--json: the summary of a clean report; not a recording: exit 1 with the error object"

# 3. open it in Chromium: every request but file:// goes to a dead proxy and is logged
run_chrome() { # out-prefix, extra args
	local o=$1; shift
	timeout 60 "$CHROME" --headless=new --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/chrome-$o" --proxy-server=127.0.0.1:9 \
		--host-resolver-rules="MAP * ~NOTFOUND" --disable-background-networking \
		--disable-component-update --disable-sync --disable-default-apps \
		--enable-logging=stderr --v=0 --log-net-log="$T/$o.netlog" "$@" \
		"file://$T/report.html" 2>"$T/$o.err"
}
run_chrome dom --virtual-time-budget=2000 --dump-dom > "$T/dom.html"
ok $? "chromium loads the report"
run_chrome shot --window-size=1400,2400 --screenshot="$ART/90-record-report.png" >/dev/null
ok $([ -s "$ART/90-record-report.png" ]; echo $?) "a screenshot is kept ($ART/90-record-report.png)"
# console errors: chromium logs page console messages as CONSOLE lines; uncaught
# exceptions as "Uncaught"
bad=$(grep -hiE 'CONSOLE|Uncaught' "$T/dom.err" "$T/shot.err" | head -3)
is "$bad" "" "no console message or uncaught error"
# the net log names every URL chromium asked for: only file:// (and internal about:, data:,
# chrome: pages) may appear, besides the browser's own background calls (its clock, its
# component updater, its account check), which no page can cause and which are named
# here one by one, so that a page's fetch of anything else (a font, a script) fails
leaks() { python3 - "$@" <<'PY'
import json,sys,re
own=(r'https?://clients2\.google\.com/time/1/current\?', r'https?://update\.googleapis\.com/service/update2/',
     r'https?://accounts\.google\.com/ListAccounts\?', r'https?://redirector\.gvt1\.com/edgedl/')
bad=set()
for f in sys.argv[1:]:
    txt=open(f).read()
    for u in re.findall(r'"url":"([^"]+)"', txt):
        if re.match(r'(file|about|data|chrome|chrome-extension|blob):', u): continue
        if any(re.match(o, u) for o in own): continue
        bad.add(u)
print(" ".join(sorted(bad)))
PY
}
is "$(leaks "$T/dom.netlog" "$T/shot.netlog")" "" "no request leaves the file (net log)"
# the same check sees a page that does fetch (so that it can fail)
cp "$T/report.html" "$T/report.ok.html"
sed -i 's|</body>|<img src="http://leak.invalid/x.png"><script>null.x</script></body>|' "$T/report.html"
run_chrome leak --virtual-time-budget=1000 --dump-dom >/dev/null
cp "$T/report.ok.html" "$T/report.html"
is "$(leaks "$T/leak.netlog")" "http://leak.invalid/x.png" "(and it does see a page that fetches an image)"
grep -q 'Uncaught TypeError' "$T/leak.err"; ok $? "(and the console check sees a page whose script fails)"
# and statically: no URL in the page but the SVG namespace name
is "$(grep -oE '(https?:)?//[a-zA-Z0-9.-]+' "$T/report.html" | grep -v '^http://www.w3.org$' | sort -u | tr '\n' ' ')" "" \
	"the page names no URL (only the SVG namespace)"
# the charts, by id, in the DOM chromium built (the tooltip's div proves the script ran)
missing=$(python3 - "$T/dom.html" <<'PY'
import sys,re
dom=open(sys.argv[1]).read()
want=["heat-net-rx","heat-net-tx","heat-si","heat-steal","heat-irq","heat-softnet-processed",
      "heat-softnet-dropped","heat-softnet-squeeze","drops-layers","drops-total","drop-waterfall",
      "dev-0","summary","tip"]
print(" ".join(w for w in want if not re.search(r'id="%s"' % re.escape(w), dom)))
PY
)
is "$missing" "" "the expected charts are there (heatmaps, drops, waterfall, a device) and the script ran"
shown=$(python3 - "$T/dom.html" <<'PY'
import sys,re
dom=open(sys.argv[1]).read()
svg=re.search(r'<svg id="drops-total".*?</svg>', dom, re.S).group(0)
m=re.search(r'<rect[^>]*data-series="backlog"[^>]*data-value="([0-9.e+]+)"', svg)
print(m.group(1) if m else "none")
PY
)
is "$shown" "$BACKLOG" "the backlog drops shown in drops-total equal the recording's own sum"
shown=$(python3 - "$T/dom.html" <<'PY'
import sys,re
dom=open(sys.argv[1]).read()
svg=re.search(r'<svg id="drop-waterfall".*?</svg>', dom, re.S).group(0)
m=re.search(r'<rect[^>]*data-series="backlog"[^>]*data-value="([0-9.e+]+)"', svg)
print(m.group(1) if m else "none")
PY
)
is "$shown" "$(fact worst_backlog)" "the waterfall of the worst interval shows that interval's backlog drops"

# 4. damaged recordings: named line by line (or frame by frame), and the report of what
# could be read is still written (exit 1)
size=$(stat -c %s "$T/rec.zst")
head -c $((size - 9)) "$T/rec.zst" > "$T/cut.zst"
"$DPTUNE" report "$T/cut.zst" -o "$T/cut.html" >/dev/null 2>"$T/cut.err"
is "$?" 1 "a recording cut inside its last frame: report exits 1"
grep -qE 'zstd frame [0-9]+ at byte [0-9]+: the file ends inside it \(after line [0-9]+\)' "$T/cut.err"
ok $? "and names the frame, its byte and the last line read" || diag "$(head -2 "$T/cut.err")"
grep -q 'was not read cleanly' "$T/cut.html" && grep -q 'id="drops-total"' "$T/cut.html"
ok $? "and writes the report of what it read, with the warning in it"
zstdcat "$T/rec.zst" | sed '5s/^{/{]/' > "$T/badline.jsonl"
"$DPTUNE" report "$T/badline.jsonl" -o "$T/badline.html" >/dev/null 2>"$T/badline.err"
rc=$?
grep -q 'line 5: not a JSON object' "$T/badline.err"; g=$?
ok $([ $rc = 1 ] && [ $g = 0 ] && [ -s "$T/badline.html" ]; echo $?) "a line of bad JSON: named by its number, exit 1, report written" || diag "$(head -2 "$T/badline.err")"
python3 - "$T/rec.zst" "$T/flip.zst" <<'PY'
import sys
b=bytearray(open(sys.argv[1],"rb").read())
m=len(b)//2
for i in range(m,m+8): b[i]^=0x5a
open(sys.argv[2],"wb").write(b)
PY
"$DPTUNE" report "$T/flip.zst" -o "$T/flip.html" >/dev/null 2>"$T/flip.err"
rc=$?
grep -qE 'zstd frame [0-9]+ at byte [0-9]+|line [0-9]+:' "$T/flip.err"; g=$?
ok $([ $rc = 1 ] && [ $g = 0 ] && [ -s "$T/flip.html" ]; echo $?) "flipped bytes: the bad frame or line is named, exit 1, report written" || diag "$(head -2 "$T/flip.err")"

# 5. SIGTERM closes the file cleanly; SIGKILL loses at most the last frame
"$DPTUNE" record -o "$T/term.zst" -i 0.2 --layer backlog >/dev/null &
pid=$!; sleep 2; kill -TERM $pid; wait $pid
rc=$?
is "$rc $(zstdcat "$T/term.zst" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])')" "0 signal" \
	"SIGTERM: record exits 0 and the file ends with its end line (reason signal)"
is "$(zstdcat "$T/term.zst" | python3 -c '
import json,sys
ls=[json.loads(l) for l in sys.stdin]
print(sorted(set(l["layer"] for l in ls if l["type"]=="series")), ls[0].get("filter_layers"))')" "['backlog'] ['backlog']" \
	"--layer backlog: only backlog series are recorded, and the header says so"
# --max-size: the file is renamed FILE.1 and a fresh one begins; each stands alone.
# A count, not a duration: 100 one-sample frames (each >= ~40 bytes compressed) after a
# base of ~2 kB pass 4k however slow the machine; on a bare host 4 samples stay at 2.4 kB.
"$DPTUNE" record -o "$T/rot.zst" -i 0.01 -c 100 --max-size 4k --frame-samples 1 >/dev/null
"$DPTUNE" report "$T/rot.zst.1" -o "$T/rot1.html" >/dev/null 2>&1; r1=$?
"$DPTUNE" report "$T/rot.zst" -o "$T/rot.html" >/dev/null 2>&1; r2=$?
is "$r1 $r2 $(zstdcat "$T/rot.zst.1" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])')" "0 0 rotate" \
	"--max-size 4k rotates to FILE.1 (ended 'rotate'); both files report cleanly"
"$DPTUNE" record -o "$T/cnt.zst" -i 0.01 -c 7 --json > "$T/cnt.json"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["samples"], d["stop"])' "$T/cnt.json") $(zstdcat "$T/cnt.zst" | tail -1 | python3 -c 'import json,sys; e=json.load(sys.stdin); print(e["samples"], e["reason"])')" \
	"7 count 7 count" "-c 7: seven samples, then the file ends with reason 'count'"
"$DPTUNE" record -o "$T/kill.zst" -i 0.2 --frame-samples 1 --layer backlog >/dev/null &
pid=$!
# (the first snapshot takes as long as the machine has namespaces: wait for 3 frames)
for i in $(seq 100); do [ "$(zstdcat "$T/kill.zst" 2>/dev/null | grep -c '"type":"sample"')" -ge 3 ] && break; sleep 0.3; done
kill -KILL $pid; wait $pid 2>/dev/null
n=$(zstdcat "$T/kill.zst" 2>/dev/null | grep -c '"type":"sample"')
"$DPTUNE" report "$T/kill.zst" -o "$T/kill.html" >/dev/null 2>"$T/kill.err"
ok $([ "$n" -ge 3 ] && grep -q 'no end line' "$T/kill.err"; echo $?) \
	"SIGKILL with one sample per frame: the samples before it are readable ($n), the report says the end is missing"

"$DPTUNE" lab fault --clear "$L" >/dev/null
"$DPTUNE" lab down "$L" >/dev/null
exit $T_FAIL
