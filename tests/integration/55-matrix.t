#!/usr/bin/env bash
# 55-matrix.t (issue 5's must-show): `lab matrix` on veth, bridge, vxlan, router and macvlan
# produces the table; the overlay and NAT scenarios cost more than the direct veth; nothing
# of the labs is left behind.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3
plan 6
export DPTUNE_LAB_DIR=$(mktemp -d /tmp/$P-lab.XXXXXX)
on_cleanup "for n in \$(ls $DPTUNE_LAB_DIR 2>/dev/null | sed 's/\\.json\$//'); do $DPTUNE lab down \$n; done; rm -rf $DPTUNE_LAB_DIR /tmp/$P.mx.json"
"$DPTUNE" lab matrix veth bridge vxlan router macvlan --duration 0.5 --precision 5 --max-trials 8 \
	--json > "/tmp/$P.mx.json" 2>/dev/null
ok $? "lab matrix exits 0"
python3 - "/tmp/$P.mx.json" <<'PY'
import json,sys
d=json.load(open(sys.argv[1]))
rows={r["scenario"]:r for r in d["scenarios"]}
print("# " + ", ".join("%s %.0f" % (k, v.get("ndr_pps", 0)) for k,v in rows.items()))
open(sys.argv[1]+".ok","w").write("\n".join(
  ["rows %d" % len(rows),
   "allran %d" % all("error" not in r and r["ndr_pps"]>0 for r in rows.values()),
   "rel %d" % (abs(rows["veth"]["relative_to_veth"]-1)<1e-9),
   "vxlan %d" % (rows["vxlan"]["ndr_pps"] < rows["veth"]["ndr_pps"]),
   "router %d" % (rows["router"]["ndr_pps"] < rows["veth"]["ndr_pps"])]))
PY
res=$(cat "/tmp/$P.mx.json.ok"); rm -f "/tmp/$P.mx.json.ok"
is "$(echo "$res" | grep rows)" "rows 5" "five scenarios in the table"
is "$(echo "$res" | grep allran)" "allran 1" "every scenario ran and found a rate"
is "$(echo "$res" | grep vxlan)" "vxlan 1" "the vxlan overlay costs more than the direct veth"
is "$(echo "$res" | grep router)" "router 1" "the router with NAT and conntrack costs more than the direct veth"
left=$(ip netns list | grep -c '^dl-mx_' ; ls "$DPTUNE_LAB_DIR" | wc -l)
is "$(echo $left)" "0 0" "no lab namespace or state file is left"
