#!/usr/bin/env bash
# 19-stat-own-ns.t: dptune started inside a network namespace that is not the host's
# (ip netns exec, a container without host networking) reads that namespace as its own:
# its devices under its name, the host's under "host" (the engine used to read the
# namespace it had entered last instead of its own, and filed the host's eth0 under NS).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3
plan 4
veth_pair 19
OUT=/tmp/$P.own.json
on_cleanup "rm -f $OUT"
nsx a "$DPTUNE" stat --json --all --layer vdev,nic >"$OUT" 2>/dev/null
ok $? "stat runs inside ${P}a"
rows() { # netns: the objects of that namespace's link rows
	python3 - "$OUT" "$1" <<'PY'
import json,sys
d=json.load(open(sys.argv[1]))
names=set()
def walk(x):
    if isinstance(x,dict):
        if x.get("netns")==sys.argv[2] and "object" in x: names.add(x["object"])
        for v in x.values(): walk(v)
    elif isinstance(x,list):
        for v in x: walk(v)
walk(d)
print(" ".join(sorted(names)))
PY
}
own=$(rows "${P}a"); host=$(rows host)
hostdevs=$(ls /sys/class/net | tr '\n' ' ')
diag "${P}a: $own"; diag "host: $host"
[[ " $own " == *" ${P}a "* ]]; ok $? "its own device ${P}a is filed under ${P}a"
bad=""; for d in $hostdevs; do [ "$d" = lo ] && continue; [[ " $own " == *" $d "* ]] && bad="$bad $d"; done
[ -z "$bad" ]; ok $? "no host device is filed under ${P}a${bad:+ (found:$bad)}"
[[ " $host " != *" ${P}a "* ]]; ok $? "its device is not filed under host"
done_testing
