#!/usr/bin/env bash
# run-all.sh: every benchmark in bench/, one after the other (`make bench`).
set -u
cd "$(dirname "$0")"
rc=0
for b in *.sh; do
	[ "$b" = run-all.sh ] && continue
	[ "$b" = tracer.sh ] && continue # export.sh runs it
	echo "=== bench/$b"
	./"$b" || rc=1
done
exit $rc
