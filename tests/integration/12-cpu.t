#!/usr/bin/env bash
# 12-cpu.t: the per-CPU layers (backlog, softirq, irq) on the live kernel: a row for every
# online CPU, network IRQs mapped to their device, and softnet "processed" rising while a
# bounded ping flood runs over loopback inside a test namespace.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ping ip
[ -x "$DPTUNE" ] || skip_all "no dptune binary at $DPTUNE (run make)"
[ -r /proc/net/softnet_stat ] || skip_all "no /proc/net/softnet_stat on this kernel"
plan 9

OUT=$(mktemp /tmp/$P-cpu.XXXXXX)
on_cleanup rm -f "$OUT" "$OUT.i"

"$DPTUNE" stat --json --all --layer backlog,softirq,irq >"$OUT" 2>"$OUT.err"
ok $? "stat --json --all --layer backlog,softirq,irq runs"

# Every online CPU has its rows in each layer (online list parsed independently here).
check_cpus() { # layer counter
	python3 - "$OUT" "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
layer, name = sys.argv[2], sys.argv[3]
online = set()
for part in open("/sys/devices/system/cpu/online").read().strip().split(","):
    a, _, b = part.partition("-")
    online.update(range(int(a), int(b or a) + 1))
have = {r["cpu"] for r in doc["rows"] if r["layer"] == layer and r["counter"] == name and "cpu" in r}
missing = online - have
if missing or not online:
    print("# missing CPUs %s for %s/%s (have %s)" % (sorted(missing), layer, name, sorted(have)))
    sys.exit(1)
PY
}
check_cpus backlog processed;  ok $? "backlog: processed for every online CPU"
check_cpus backlog dropped;    ok $? "backlog: dropped for every online CPU"
check_cpus softirq net_rx;     ok $? "softirq: NET_RX for every online CPU"
check_cpus softirq softirq_ticks; ok $? "softirq: softirq_ticks for every online CPU"

python3 - "$OUT" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
bad = [c for c in doc["collectors"] if c["name"] in ("softnet", "softirqs", "cpustat", "interrupts")
       and not c["available"]]
for c in bad:
    print("# %s unavailable: %s" % (c["name"], c.get("reason")))
sys.exit(1 if bad else 0)
PY
ok $? "softnet, softirqs, cpustat and interrupts collectors are available"

# Network IRQs: every virtioN-input.Q / -TxRx-N line of a device that has a sysfs device
# link must appear as an irq row of that device on every CPU column.
python3 - "$OUT" <<'PY'
import json, os, re, sys
doc = json.load(open(sys.argv[1]))
lines = open("/proc/interrupts").read().splitlines()
ncpu = len(lines[0].split())
bus = {}
for dev in os.listdir("/sys/class/net"):
    p = "/sys/class/net/%s/device" % dev
    if os.path.islink(p):
        bus[os.path.basename(os.readlink(p))] = dev
want = []
for l in lines[1:]:
    f = l.split()
    if not f or not f[0].rstrip(":").isdigit():
        continue
    m = re.search(r"\b(virtio\d+)-input\.(\d+)$", l)
    if m and m.group(1) in bus:
        want.append((bus[m.group(1)], int(m.group(2)), f[0].rstrip(":")))
    m = re.search(r"\b([\w.]+)-TxRx-(\d+)$", l)
    if m and m.group(1) in bus.values():
        want.append((m.group(1), int(m.group(2)), f[0].rstrip(":")))
if not want:
    print("# SKIP no virtio or TxRx network IRQ on this machine")
    sys.exit(2)
rows = [r for r in doc["rows"] if r["layer"] == "irq" and r["counter"] == "interrupts"]
for dev, q, irq in want:
    got = [r for r in rows if r["object"] == dev and r.get("queue") == q
           and r.get("labels", {}).get("irq") == irq]
    if len(got) != ncpu:
        print("# %s queue %d (irq %s): %d rows, expected %d" % (dev, q, irq, len(got), ncpu))
        sys.exit(1)
    print("# %s queue %d irq %s: %d per-CPU rows" % (dev, q, irq, len(got)))
PY
rc=$?
if [ $rc -eq 2 ]; then skip "no virtio or TxRx network IRQ on this machine"; else ok $rc "irq: network queue IRQs mapped to their device on every CPU"; fi

# Softnet "processed" rises while a bounded ping flood runs on lo inside a namespace.
mkns a || { echo "# cannot create namespace"; exit 1; }
"$DPTUNE" stat -i 1 -c 2 --json --all --layer backlog >"$OUT.i" 2>&1 &
STAT=$!
bg_pid $STAT
# The flood lasts as long as stat samples (its first snapshot can take a second on a host
# with a hundred namespaces, longer than 15 floods of 500, a few ms each, used to last):
# bounded by stat's end, 20 s and 4000 runs of at most 500 pings and 2 s each.
end=$((SECONDS + 20))
for i in $(seq 1 4000); do
	kill -0 $STAT 2>/dev/null && [ $SECONDS -lt $end ] || break
	nsx a ping -q -f -c 500 -w 2 127.0.0.1 >/dev/null 2>&1
done
wait $STAT
ok $? "stat -i 1 -c 2 --json ran while the flood ran"
python3 - "$OUT.i" <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
if len(docs) != 2:
    print("# expected 2 interval documents, got %d" % len(docs))
    sys.exit(1)
best = 0
for d in docs:
    per = {r["cpu"]: r.get("delta") or 0 for r in d["rows"]
           if r["layer"] == "backlog" and r["counter"] == "processed"}
    print("# interval %d processed deltas per CPU: %s" % (d["seq"], per))
    best = max(best, max(per.values() or [0]))
# each ping is two packets through the loopback backlog; 500 pings at least per interval
sys.exit(0 if best >= 500 else 1)
PY
ok $? "backlog processed rose on some CPU during the loopback ping flood"
done_testing
