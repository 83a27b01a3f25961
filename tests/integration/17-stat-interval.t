#!/usr/bin/env bash
# 17-stat-interval.t: a counter is reported in the interval in which it moved, also in a
# namespace whose devices move no packet: bursts of UDP sends with no route (IpOutNoRoutes,
# no device traffic at all) one second apart, under stat -i 1, each show up whole in the
# interval that contains it. (A shortcut that re-read such namespaces every 5 s reported
# them seconds late and merged.)
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip
plan 3
mkns a
"$DPTUNE" stat -i 1 -c 8 --json --netns "${P}a" --layer ip > "/tmp/$P.json" 2>"/tmp/$P.err" & spid=$!
bg_pid $spid
# the first burst comes after the first interval is out (so after the first snapshot,
# however long a busy machine takes for it)
for i in $(seq 200); do [ -s "/tmp/$P.json" ] && break; sleep 0.05; done
[ -s "/tmp/$P.json" ] || diag "stat printed no interval within 10 s (machine busy?)"
sleep 0.3
# bursts of 11, 23 and 37 sends to an address with no route, ~1.1 s apart
nsx a python3 - > "/tmp/$P.bursts" <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (11, 23, 37):
	t0 = time.time()
	for i in range(n):
		try:
			s.sendto(b"x", ("10.254.77.1", 9))
		except OSError:
			pass
	print(n, t0, time.time(), flush=True)
	time.sleep(1.1)
PY
ok $? "the sends ran in ${P}a"
wait $spid; ok $? "stat -i 1 -c 8 exits 0"
python3 - "/tmp/$P.json" "/tmp/$P.bursts" "${P}a" <<'PY'
import itertools, json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bursts = [tuple(float(x) for x in l.split()) for l in open(sys.argv[2]) if l.strip()]
ns = sys.argv[3]
deltas = []
for d in docs:
	deltas.append(sum(r.get("delta") or 0 for r in d["rows"]
			  if r["netns"] == ns and r["counter"] == "IpOutNoRoutes"))
print("# deltas per interval:", deltas)
print("# bursts (n, t0, t1):", [(int(b[0]), round(b[1] - docs[0]["time"], 3), round(b[2] - docs[0]["time"], 3)) for b in bursts])
print("# intervals end at:", [round(d["time"] - docs[0]["time"], 3) for d in docs])
# burst b can belong to interval k (docs[k-1] .. docs[k]) when it ended after the previous
# snapshot began and began before this one's read of the namespace ended (allowance 0.5 s
# for the reading itself under load)
def can(b, k):
	start = docs[k]["time"] - docs[k]["interval"]
	return b[2] >= start - 0.05 and b[1] <= docs[k]["time"] + 0.5
ok = False
for assign in itertools.product(range(len(docs)), repeat=len(bursts)):
	if not all(can(b, k) for b, k in zip(bursts, assign)):
		continue
	want = [0] * len(docs)
	for b, k in zip(bursts, assign):
		want[k] += int(b[0])
	if want == deltas:
		ok = True
		break
sys.exit(0 if ok and len(bursts) == 3 else 1)
PY
ok $? "each burst of IpOutNoRoutes is reported whole, in the interval it happened in"
rm -f /tmp/$P.json /tmp/$P.err /tmp/$P.bursts
