#!/usr/bin/env bash
# 92-top.t: `dptune top` in a real terminal (tmux, 80x24): two namespace pairs whose
# senders drop every packet at their qdisc (pfifo limit 0) while a bounded ping runs;
# the screen shows the per-CPU rows and both namespaces' drop counters; the N key
# filters to one namespace (the other vanishes), n cycles to the other; s sorts, p
# pauses; the window is
# resized and redrawn; q quits with exit 0 and the terminal restored (alternate screen
# off, the shell's prompt back); SIGTERM likewise. Without a terminal: exit 2, naming
# `stat -i`.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tmux tc ping
[ -x "$DPTUNE" ] || skip_all "build dptune first"
plan 18

# not a terminal: refused politely, exit 2, pointing at stat -i
"$DPTUNE" top </dev/null >"/tmp/$P.out" 2>"/tmp/$P.err"
rc=$?
on_cleanup rm -f "/tmp/$P.out" "/tmp/$P.err" "/tmp/$P.exit" "/tmp/$P.exit2"
is "$rc" 2 "top with stdout not a terminal exits 2"
grep -q "needs a terminal.*dptune stat -i" "/tmp/$P.err"; ok $? "and says to use 'dptune stat -i' ($(head -c 120 "/tmp/$P.err"))"

veth_pair 1
mkns c && mkns d || skip_all "cannot create namespaces"
ip link add ${P}c netns ${P}c type veth peer name ${P}d netns ${P}d || skip_all "no veth"
nsx c ip addr add 10.$X.2.1/24 dev ${P}c; nsx d ip addr add 10.$X.2.2/24 dev ${P}d
nsx c ip link set ${P}c up; nsx d ip link set ${P}d up
# every packet the senders send dies in their root qdisc: a drop counter that moves
nsx a tc qdisc add dev ${P}a root pfifo limit 0 || skip_all "cannot add a pfifo qdisc"
nsx c tc qdisc add dev ${P}c root pfifo limit 0 || skip_all "cannot add a pfifo qdisc"
# bounded traffic: 900 pings at 5/s (3 min at most, long enough for a loaded host),
# killed by the cleanup trap
nsx_bg a ping -q -c 900 -i 0.2 -W 1 $B4 >/dev/null 2>&1
nsx_bg c ping -q -c 900 -i 0.2 -W 1 10.$X.2.2 >/dev/null 2>&1

# a tmux server of our own (its own socket), a shell in an 80x24 window
TM=(tmux -L "dpt$P" -f /dev/null)
on_cleanup "${TM[*]} kill-server"
"${TM[@]}" new-session -d -s top -x 80 -y 24 "env PS1='READY\$ ' TERM=screen bash --norc --noprofile" ||
	skip_all "tmux cannot start a session"
"${TM[@]}" set-option -g -t top window-size manual >/dev/null 2>&1
screen() { "${TM[@]}" capture-pane -p -t top; }
# wait_for REGEX SECONDS: poll the screen; 0 when it matched, and how long it took in $TOOK
wait_for() {
	local t0 i n=$(( $2 * 10 ))
	t0=$(date +%s.%N)
	for ((i = 0; i < n; i++)); do
		if screen | grep -qE -- "$1"; then
			TOOK=$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo "?")
			return 0
		fi
		sleep 0.1
	done
	TOOK=timeout
	return 1
}
# the drop rows: lines between the LAYER heading and the key line
drop_rows() { screen | sed -n '/^LAYER /,$p' | sed '1d;$d' | grep -vE '^\s*$|^  '; }

"${TM[@]}" send-keys -t top "$DPTUNE top -i 0.5; echo EXIT=\$? > /tmp/$P.exit" Enter
t_start=$(date +%s.%N)
# the first snapshot reads every namespace of the host: slow when the machine is loaded
wait_for '^cpu0 ' 60; ok $? "the per-CPU rows are on the screen (after ${TOOK}s)"
wait_for "^qdisc +${P}a +" 20
ok $? "the dropping namespace ${P}a's qdisc drop counter is shown (after ${TOOK}s of polling)" ||
	screen | sed 's/^/#   /'
diag "time from start to ${P}a's drop row: $(echo "$(date +%s.%N) - $t_start" | bc) s (target 3 s; polled up to 60 + 20 s under load; load average $(cut -d' ' -f1 /proc/loadavg))"
wait_for "^qdisc +${P}c +" 20; ok $? "the other dropping namespace ${P}c's too"
[ "$("${TM[@]}" display -p -t top '#{alternate_on}')" = 1 ]; ok $? "top runs on the alternate screen"
screen | awk -v w=80 'length($0) > w { bad = 1 } END { exit bad }'; ok $? "no line is wider than 80 columns"

# N: a namespace by name; only its rows remain
"${TM[@]}" send-keys -t top N
sleep 0.3
"${TM[@]}" send-keys -t top "${P}a" Enter
wait_for "netns:${P}a " 30; ok $? "N ${P}a filters to that namespace (the title says so)"
sleep 1.2 # a sample or two after the filter
rows=$(drop_rows)
others=$(awk -v ns="${P}a" '$2 != ns' <<<"$rows")
[ -n "$rows" ] && [ -z "$others" ]
ok $? "only ${P}a's drop rows remain (rows: $(wc -l <<<"$rows"), others: $(grep -c . <<<"$others")${others:+: $(head -1 <<<"$others")})" ||
	screen | sed 's/^/#   /'
# n: the next namespace with a drop row, in name order (${P}b has none, so ${P}c next, or
# soon after); each press waits for its redraw (a sample may be slow on a loaded host)
for ((i = 0; i < 10; i++)); do
	screen | grep -q "netns:${P}c " && break
	before=$(screen | head -1 | grep -o 'netns:[^ ]*')
	"${TM[@]}" send-keys -t top n
	for ((j = 0; j < 150; j++)); do
		[ "$(screen | head -1 | grep -o 'netns:[^ ]*')" != "$before" ] && break
		sleep 0.1
	done
done
screen | grep -q "netns:${P}c "; ok $? "n cycles to the other dropping namespace ${P}c"
sleep 1
rows=$(drop_rows)
! grep -q "${P}a" <<<"$rows" && grep -q "${P}c" <<<"$rows"; ok $? "and ${P}a's rows vanished"

# s: the next sort key; p: pause and resume
"${TM[@]}" send-keys -t top s
wait_for "sort:total " 30; ok $? "s sorts by the next key (total)"
"${TM[@]}" send-keys -t top p
wait_for "^dptune top  PAUSED" 15 && "${TM[@]}" send-keys -t top p &&
	for ((i = 0; i < 150; i++)); do screen | grep -q PAUSED || break; sleep 0.1; done
wait_for "^dptune top  [0-9]+ CPUs" 1
ok $? "p pauses (the title says PAUSED) and p resumes"

# resize: the frame is drawn again at the new size (the CPU bars grow with the width)
"${TM[@]}" resize-window -t top -x 100 -y 30
for ((i = 0; i < 150; i++)); do # a redraw waits for a sample that is being read
	lines=$(screen | wc -l)
	wide=$(screen | awk '/^cpu0 / { print length($0) }')
	[ "$lines" -eq 30 ] && [ "${wide:-0}" -gt 80 ] && screen | tail -1 | grep -q "q quit" && break
	sleep 0.1
done
[ "$lines" -eq 30 ] && [ "${wide:-0}" -gt 80 ] && screen | tail -1 | grep -q "q quit"
ok $? "after resize-window 100x30 it redraws: 30 lines, cpu0 row ${wide:-?} columns, key line at the bottom"

# q: exit 0, terminal restored
"${TM[@]}" send-keys -t top q
for ((i = 0; i < 300; i++)); do [ -s "/tmp/$P.exit" ] && break; sleep 0.1; done
is "$(cat "/tmp/$P.exit" 2>/dev/null)" "EXIT=0" "q quits with exit 0"
[ "$("${TM[@]}" display -p -t top '#{alternate_on}')" = 0 ]; ok $? "the alternate screen is off after q (rmcup)"
sleep 0.3
screen | grep -q '^READY\$' && ! screen | grep -q '^dptune top '
ok $? "the pane shows the shell again, not the curses screen" || screen | sed 's/^/#   /'

# SIGTERM: also exit 0 with the terminal restored
"${TM[@]}" send-keys -t top "clear; $DPTUNE top -i 0.5; echo EXIT=\$? > /tmp/$P.exit2" Enter
wait_for '^cpu0 ' 60
shell=$("${TM[@]}" display -p -t top '#{pane_pid}')
pid=$(ps -o pid= --ppid "$shell" | tr -d ' ' | head -1)
[ -n "$pid" ] && kill -TERM "$pid"
for ((i = 0; i < 600; i++)); do [ -s "/tmp/$P.exit2" ] && break; sleep 0.1; done
[ "$(cat "/tmp/$P.exit2" 2>/dev/null)" = EXIT=0 ] &&
	[ "$("${TM[@]}" display -p -t top '#{alternate_on}')" = 0 ]
ok $? "SIGTERM: exit 0 and the alternate screen off ($(cat "/tmp/$P.exit2" 2>/dev/null))"
done_testing
