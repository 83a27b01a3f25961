#!/usr/bin/env bash
# record.sh: what `dptune record -i 1` costs on a host with 1,000 veth devices over 100
# namespaces (the topology of bench/stat.sh): CPU in % of a core, bytes on disk per hour
# (extrapolated from a minute), then the report of an hour: its build time and size, and
# how long Chromium takes to render it. The hour is synthesized from the recorded minute
# by repeating its samples with shifted times (header, series, base, knobs and links once),
# which the printout says. Not a test: prints numbers against the targets of issue 15.
# Usage: bench/record.sh [SECONDS] [NAMESPACES] [PAIRS]   (defaults 60, 100 and 500)
set -eu
cd "$(dirname "$0")/.."
DPTUNE=${DPTUNE:-$PWD/build/dptune}
SECS=${1:-60}
NNS=${2:-100}
NPAIRS=${3:-500}
P=dtr$$
T=$(mktemp -d /tmp/$P.XXXXXX)
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 3; }

cleanup() { for ((i = 0; i < NNS; i++)); do ip netns del $P-$i 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s.%N)
for ((i = 0; i < NNS; i++)); do echo "netns add $P-$i"; done > $T/batch
ip -batch $T/batch
for ((i = 0; i < NPAIRS; i++)); do
	a=$((i % NNS)); b=$(((i + 1) % NNS))
	echo "link add v${P}a$i netns $P-$a type veth peer name v${P}b$i netns $P-$b"
done > $T/batch
ip -batch $T/batch
for ((i = 0; i < NNS; i++)); do ip -n $P-$i link set lo up; done
echo "topology: $NNS namespaces, $((NPAIRS * 2)) veth devices (built in $(echo "$(date +%s.%N) - $t0" | bc) s)"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"

cpu_of() { # command...: prints user+sys CPU seconds of the command and its children
	python3 -c '
import resource,subprocess,sys
subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
r=resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f" % (r.ru_utime+r.ru_stime))' "$@"
}
wall_of() { # command...: prints wall seconds
	python3 -c '
import subprocess,sys,time
t=time.monotonic(); subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
print("%.3f" % (time.monotonic()-t))' "$@"
}

echo "recording at 1 s for $SECS s, then for 10 s (start-up apart), then stat -i 1 and the floor as long..."
cpu_split() { # command...: prints user and sys CPU seconds of the command and its children
	python3 -c '
import resource,subprocess,sys
subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
r=resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f %.6f" % (r.ru_utime, r.ru_stime))' "$@"
}
read -r u60 s60 < <(cpu_split "$DPTUNE" record -o $T/min.zst -i 1 --duration "$SECS")
read -r u10 s10 < <(cpu_split "$DPTUNE" record -o $T/ten.zst -i 1 --duration 10)
cpu=$(echo "$u60 + $s60" | bc -l)
cpu10=$(echo "$u10 + $s10" | bc -l)
# the kernel's part alone (system time): reading the files and dumps it formats
steady_sys=$(echo "($s60 - $s10) * 100 / ($SECS - 10)" | bc -l)
cpu_stat=$(cpu_of "$DPTUNE" stat -i 1 --duration "$SECS" --json)
# the floor: bench/snapfloor.c makes the same reads at the same interval and parses,
# keeps and writes nothing (steady state as above: SECS samples less 10)
FLOOR=${FLOOR:-$PWD/build/bench/snapfloor}
if [ -x "$FLOOR" ]; then
	fl_long=$(cpu_of "$FLOOR" 1 "$SECS")
	fl_short=$(cpu_of "$FLOOR" 1 10)
	floor=$(echo "($fl_long - $fl_short) * 100 / ($SECS - 10)" | bc -l)
fi
steady=$(echo "($cpu - $cpu10) * 100 / ($SECS - 10)" | bc -l)
# The difference of two runs carries the noise of both (0.95-1.30 % for the same binary
# on one quiet afternoon). So also: record and the floor side by side, over the same
# seconds of the same machine, each one's CPU read from /proc/PID/schedstat (nanoseconds,
# every thread: both are single-threaded) from 10 s after the start to SECS.
"$DPTUNE" record -o $T/pair.zst -i 1 --duration $((SECS + 5)) >/dev/null 2>&1 & rp=$!
if [ -x "$FLOOR" ]; then "$FLOOR" 1 $((SECS + 5)) >/dev/null 2>&1 & fp=$!; else fp=; fi
sched() { [ -n "$1" ] && cut -d' ' -f1 /proc/$1/schedstat 2>/dev/null || echo 0; }
sleep 10; r0=$(sched $rp); f0=$(sched $fp)
sleep $((SECS - 10)); r1=$(sched $rp); f1=$(sched $fp)
wait $rp; [ -n "$fp" ] && wait $fp
pair_rec=$(echo "($r1 - $r0) / (($SECS - 10) * 10000000)" | bc -l)
pair_floor=$(echo "($f1 - $f0) / (($SECS - 10) * 10000000)" | bc -l)
size=$(stat -c %s $T/min.zst)
# the part written once (header, series of the first sample, base, knobs, links) against
# the part that grows with time
read -r fixed samples < <(python3 - $T/min.zst <<'PY'
import subprocess,sys
raw=subprocess.run(["zstdcat",sys.argv[1]],capture_output=True,check=True).stdout.split(b"\n")
head=[]
for l in raw:
    if b'"type":"sample"' in l: break
    head.append(l)
fixed=len(subprocess.run(["zstd","-3","-c"],input=b"\n".join(head)+b"\n",capture_output=True).stdout)
print(fixed, sum(1 for l in raw if b'"type":"sample"' in l))
PY
)
per_hour=$(echo "$fixed + ($size - $fixed) * 3600 / $SECS" | bc)

# an hour: the minute's samples repeated with shifted times, compressed in frames of 10 s
python3 - $T/min.zst $T/hour.zst <<'PY'
import json,subprocess,sys
lines=[json.loads(l) for l in subprocess.run(["zstdcat",sys.argv[1]],capture_output=True,check=True).stdout.splitlines() if l.strip()]
head=[l for l in lines if l["type"] in ("header","base","knobs","links") or (l["type"]=="series")]
samples=[l for l in lines if l["type"]=="sample"]
span=samples[-1]["t"]
out=[json.dumps(l,separators=(",",":")) for l in head]
n=0
k=0
while n < 3600:
    for s in samples:
        s2=dict(s); s2["t"]=round(s["t"]+k*span,3)
        out.append(json.dumps(s2,separators=(",",":"))); n+=1
        if n>=3600: break
    k+=1
out.append(json.dumps({"type":"end","t":round(span*k,3),"samples":n,"reason":"duration"}))
# frames of 10 lines, as the recorder writes them
with open(sys.argv[2],"wb") as f:
    for i in range(0,len(out),10):
        f.write(subprocess.run(["zstd","-3","-c","--no-check"],input=("\n".join(out[i:i+10])+"\n").encode(),capture_output=True).stdout)
PY
hour_size=$(stat -c %s $T/hour.zst)
rep_wall=$(wall_of "$DPTUNE" report $T/hour.zst -o $T/hour.html)
rep_cpu=$(cpu_of "$DPTUNE" report $T/hour.zst -o $T/hour.html)
html=$(stat -c %s $T/hour.html)

CHROME=$(command -v chromium || true)
chrome() { timeout 120 "$CHROME" --headless=new --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir=$T/ud --proxy-server=127.0.0.1:9 --window-size=1400,1000 --dump-dom "$1" 2>/dev/null; }
if [ -n "$CHROME" ]; then
	# the page's own clock: a copy of the report whose last script, at the load event,
	# forces style and layout and stamps the title with the milliseconds since navigation
	# (read back from --dump-dom); paint is not included. The median of three runs.
	sed 's|</body>|<script>addEventListener("load",function(){document.body.getBoundingClientRect();document.title="RENDERMS="+Math.round(performance.now())})</script></body>|' \
		$T/hour.html > $T/timed.html
	renders=
	for i in 1 2 3; do
		ms=$(chrome "file://$T/timed.html" | grep -o 'RENDERMS=[0-9][0-9]*' | head -1 | cut -d= -f2)
		renders+="${ms:-nan} "
	done
	render=$(echo $renders | tr ' ' '\n' | sort -n | sed -n 2p)
fi

printf '\nresult:\n'
printf '  record -i 1, %d samples in %d s       : %6.2f %% of a core   (target <= 1 %%)\n' "$samples" "$SECS" "$(echo "$cpu * 100 / $SECS" | bc -l)"
printf '  the same, steady state (%d s - 10 s)  : %6.2f %% of a core\n' "$SECS" "$steady"
printf '  ...of which kernel (system) time      : %6.2f %% of a core (the files the kernel formats and\n' "$steady_sys"
printf '  the link dumps, and dptune'"'"'s own re-reads of knob files and ethtool checks)\n'
if [ -n "${floor:-}" ]; then
	printf '  floor: the same reads at 1 s, nothing parsed or kept (bench/snapfloor.c): %.2f %% of a core\n' "$floor"
fi
printf '  side by side, the same %d s (schedstat): record %.2f %%, floor %.2f %%, record above the floor %.2f %%\n' \
	"$((SECS - 10))" "$pair_rec" "$pair_floor" "$(echo "$pair_rec - $pair_floor" | bc -l)"
printf '  stat -i 1 --json as long (the engine) : %6.2f %% of a core\n' "$(echo "$cpu_stat * 100 / $SECS" | bc -l)"
printf '  file after %d s                       : %d bytes (%d of them written once)\n' "$SECS" "$size" "$fixed"
printf '  bytes per hour, extrapolated          : %6.2f MB    (target <= 50 MB)\n' "$(echo "$per_hour / 1000000" | bc -l)"
printf '  the hour (synthesized: the minute repeated 60 times, shifted in time): %d bytes\n' "$hour_size"
printf '  report of the hour, build            : %6.2f s wall, %.2f s CPU   (target <= 5 s)\n' "$rep_wall" "$rep_cpu"
printf '  report of the hour, size             : %6.2f MB    (target <= 5 MB)\n' "$(echo "$html / 1000000" | bc -l)"
if [ -n "$CHROME" ]; then
	printf '  chromium: load, style and layout     : %6.2f s (median of %s ms)   (target <= 2 s)\n' "$(echo "$render / 1000" | bc -l)" "$renders"
else
	printf '  chromium: not installed, render time not measured\n'
fi
