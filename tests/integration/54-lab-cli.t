#!/usr/bin/env bash
# 54-lab-cli.t: the lab's command line as a new user meets it. `lab exec NODE` with one lab
# up uses it (it said "no lab named  "), with several says which exist; `lab status --json`
# has a hop's note only when there is one and "missing" as an array; every subcommand's
# --json output (and error) is one JSON document; `lab --help` lists every subcommand,
# matrix too, keeps scenarios on their own lines, under 100 columns, ending in a newline;
# every hint that sends traffic, printed by `lab up` or the demo, names a namespace.
# serial: `lab fault rcvbuf` sets the host's net.core.rmem_default (not per namespace
#   on this kernel).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip
plan 26
top=$(cd "$(dirname "$0")/../.." && pwd)
export DPTUNE_LAB_DIR=/run/dptune/lab-$P # private: other tests' labs stay unseen
A=${P}a X=${P}x
on_cleanup rm -rf "$DPTUNE_LAB_DIR"
on_cleanup "$DPTUNE" lab down "$X"
on_cleanup "$DPTUNE" lab down "$A"
# a hint "names a namespace" when it runs through lab exec LAB:NODE, ip netns exec NS, or
# sends from --client-netns NS
names_ns='lab exec [A-Za-z0-9_]+:[A-Za-z0-9]+ |ip netns exec [^ ]+ |--client-netns [^ ]+'
json_ok() { python3 -c 'import json,sys; json.loads(sys.stdin.read())' 2>/dev/null; }
err_obj() { # exit: stdin is one error object with that exit code
	python3 -c '
import json,sys
d=json.loads(sys.stdin.read()); e=d["error"]
assert e["exit"]==int(sys.argv[1]) and e["message"] and e["command"].startswith("dptune lab"), d' "$1" 2>/dev/null
}

# --help and the subcommand list
help=$("$DPTUNE" lab --help); ok $? "lab --help exits 0"
subs=$("$DPTUNE" lab --list-commands)
miss=; for s in $subs; do grep -qE "^  $s( |\$)" <<<"$help" || miss+=" $s"; done
ok $([ -z "$miss" ] && grep -qx matrix <<<"$subs"; echo $?) "lab --help lists every subcommand, matrix too${miss:+ (missing:$miss)}"
long=$("$DPTUNE" lab --help | awk 'length($0) > 100' | head -1)
is "$long" "" "lab --help has no line over 100 columns"
is "$("$DPTUNE" lab --help | tail -c 1 | od -An -c | tr -d ' ')" '\n' "lab --help ends with a newline"
is "$(grep -E '^ *scenarios:' <<<"$help" | sed 's/ *$//')" "scenarios:" "the scenarios: heading is alone on its line"
grep -qi "all the UDP traffic to the lab's server address" <<<"$help"; ok $? "lab --help says what traffic faults apply to"

# no lab up
out=$("$DPTUNE" lab exec cli -- true 2>&1); rc=$?
ok $([ $rc -eq 1 ] && grep -q "no lab is up" <<<"$out"; echo $?) "exec with no lab up: exit 1, 'no lab is up' ($rc: $out)"

# one lab up: lab up prints hints, each naming its namespace
out=$("$DPTUNE" lab up veth --name "$A" 2>&1) || skip_all "lab up veth failed: $out"
hints=$(grep -E '(^| )dptune (bench|sweep)|-- dptune bench| bench | sweep ' <<<"$out")
[ -n "$hints" ]; ok $? "lab up prints next steps that send traffic"
bad=$(grep -vE "$names_ns" <<<"$hints")
is "$bad" "" "every bench/sweep hint of lab up names a namespace"
bad=$(grep -E '^[[:space:]]*echo' "$top/scripts/demo.sh" | grep -E 'bench|sweep' | grep -vE "$names_ns")
is "$bad" "" "every bench/sweep hint of the demo names a namespace"
read -r caddr saddr <<<"$("$DPTUNE" lab status --json | json_get '"%s %s" % (d["labs"][0]["nodes"][0]["addr"].split("/")[0], d["labs"][0]["target"]["addr"])')"
out=$("$DPTUNE" lab exec cli -- ip -br addr 2>&1); rc=$?
ok $([ $rc -eq 0 ] && grep -q "$caddr/" <<<"$out"; echo $?) "exec NODE with one lab up runs in that lab's node ($rc: $out)"
"$DPTUNE" lab exec "$A:srv" -- ip -br addr | grep -q "$saddr/"; ok $? "exec LAB:NODE"
"$DPTUNE" lab exec "dl-$A-srv" -- true; ok $? "exec dl-LAB-NODE"
out=$("$DPTUNE" lab exec nosuch -- true 2>&1); rc=$?
ok $([ $rc -eq 1 ] && grep -q "has no node nosuch (its nodes: cli, srv)" <<<"$out"; echo $?) "exec of a node that does not exist names the nodes ($out)"

# status --json: note absent or a real note, missing an array
"$DPTUNE" lab status --json | python3 -c '
import json,sys
d=json.load(sys.stdin); l=d["labs"][0]
assert isinstance(l["missing"], list), l["missing"]
for h in l["path"]:
    assert "note" not in h or (isinstance(h["note"], str) and h["note"].strip(", ")), h
assert [h["note"] for h in l["path"]] == ["tx", "rx"], l["path"]
'; ok $? "status --json: path notes are the hops' notes, missing is an array"

# JSON of every subcommand, and its errors
"$DPTUNE" lab list --json | json_ok; ok $? "list --json is JSON"
"$DPTUNE" lab fault "$A" rcvbuf --json | json_get 'd["state"]' | grep -qx on; ok $? "fault --json"
"$DPTUNE" lab fault --clear "$A" --json | json_get 'd["cleared"]' | grep -q "$A"; ok $? "fault --clear --json"
"$DPTUNE" lab fault "${P}none" rcvbuf --json 2>/dev/null | err_obj 1; ok $? "fault on no such lab: one error object, exit 1"
"$DPTUNE" lab fault "$A" nosuch --json 2>/dev/null | err_obj 2; ok $? "unknown fault kind: one error object, exit 2"
"$DPTUNE" lab exec "$A:nosuch" --json -- true 2>/dev/null | err_obj 1; ok $? "exec error under --json: one error object"

# two labs: exec without a lab says which exist; the one with an empty note has none in JSON
if out=$("$DPTUNE" lab up vxlan --name "$X" 2>&1); then
	out=$("$DPTUNE" lab exec cli -- true 2>&1); rc=$?
	ok $([ $rc -eq 1 ] && grep -q "2 labs are up ($A, $X)" <<<"$out"; echo $?) "exec with two labs up names them ($out)"
	"$DPTUNE" lab exec cli --json -- true 2>/dev/null | err_obj 1; ok $? "... as one error object under --json"
	"$DPTUNE" lab status "$X" --json | python3 -c '
import json,sys
l=json.load(sys.stdin)["labs"][0]
br=[h for h in l["path"] if h["kind"]=="bridge"]
assert br and all("note" not in h for h in br), br
assert all(h.get("note") for h in l["path"] if h["kind"]!="bridge"), l["path"]
'; ok $? "status --json: a hop without a note has no note key"
else
	for i in 1 2 3; do skip "vxlan lab cannot run here: $out"; done
fi
"$DPTUNE" lab down --all --json | python3 -c '
import json,sys
d=json.load(sys.stdin); assert all(x["state"]=="down" for x in d["labs"]) and len(d["labs"])>=1, d'
ok $? "down --all --json"
is "$("$DPTUNE" lab list)" "no lab is up" "list after down --all"
done_testing
