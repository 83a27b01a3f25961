#!/usr/bin/env bash
# 02-docs.t: every option a command accepts (its option table, `--list-options`) appears in
# its --help and in its man page; dptune(1) names every command; --version names the
# features; the bash completion offers commands, subcommands and options from the binary.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$DPTUNE" ] || skip_all "build dptune first"

cmds=$("$DPTUNE" --list-commands)
# pairs "cmd" or "cmd sub" whose options are checked
units=()
for c in $cmds; do
	units+=("$c")
	for s in $("$DPTUNE" "$c" --list-commands 2>/dev/null); do units+=("$c $s"); done
done
plan $(( ${#units[@]} * 3 + 9 ))

for u in "${units[@]}"; do
	c=${u%% *}
	# shellcheck disable=SC2086
	opts=$("$DPTUNE" $u --list-options 2>/dev/null)
	[ -n "$opts" ]; ok $? "'dptune $u --list-options' lists options"
	# shellcheck disable=SC2086
	help=$("$DPTUNE" $u --help 2>/dev/null)
	man=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$top/docs/dptune-$c.1" 2>/dev/null)
	miss_h= miss_m=
	while read -r o flag; do
		[ -n "$o" ] || continue
		[ "$flag" = hidden ] || grep -qe "$o\b" <<<"$help" || miss_h+=" $o"
		grep -qe "$o\b" <<<"$man" || miss_m+=" $o"
	done <<<"$opts"
	[ -z "$miss_h" ]; ok $? "every option of 'dptune $u' is in its --help${miss_h:+ (missing:$miss_h)}"
	[ -z "$miss_m" ]; ok $? "every option of 'dptune $u' is in dptune-$c.1${miss_m:+ (missing:$miss_m)}"
done

man1=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$top/docs/dptune.1")
miss=
for c in $cmds; do grep -q "dptune-$c (1)" <<<"$man1" || miss+=" $c"; done
[ -z "$miss" ]; ok $? "dptune(1) names every command${miss:+ (missing:$miss)}"

"$DPTUNE" --version | grep -q '^features: [+-]bpf-drop-reasons'; ok $? "--version names the features compiled in"
"$DPTUNE" --version | grep -qE '^dptune [0-9]+\.[0-9]+\.[0-9]+ \(git '; ok $? "--version names the release and the commit"

# completion: run the real script with the built binary
comp() { # words... ; prints COMPREPLY
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _dptune; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$top/completion/dptune.bash" "$@"
}
export DPTUNE_BIN=$DPTUNE
got=$(comp dptune "" | sort | tr '\n' ' ')
want=$(echo "$cmds" | sort | tr '\n' ' ')
is "$got" "$want" "'dptune <TAB>' offers exactly the commands"
got=$(comp dptune lab "" | sort | tr '\n' ' ')
want=$("$DPTUNE" lab --list-commands | sort | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ]; ok $? "'dptune lab <TAB>' offers the lab subcommands (got: $got)"
got=$(comp dptune bench --fl)
is "$got" "--flows" "'dptune bench --fl<TAB>' completes --flows"
got=$(comp dptune lab up "" | sort | tr '\n' ' ')
want=$("$DPTUNE" lab --list-scenarios | sort | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ]; ok $? "'dptune lab up <TAB>' offers the scenarios (got: $got)"
got=$(comp dptune tune "" | sort | tr '\n' ' ')
want=$("$DPTUNE" tune --list-commands | sort | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ]; ok $? "'dptune tune <TAB>' offers the tune subcommands (got: $got)"
mkns c
got=$(comp dptune stat --netns "${P}c")
is "$got" "${P}c" "'dptune stat --netns <TAB>' completes namespace names"
