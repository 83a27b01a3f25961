# ovs-lib.sh: start and stop a private Open vSwitch instance (ovsdb-server + ovs-vswitchd,
# userspace datapath) for tests. Source it after lib.sh. Everything lives in a mktemp
# directory and, for ovs-vswitchd, in its own network namespace, so the taps the userspace
# datapath creates (ovs-netdev, one per bridge) vanish with the namespace.
#
#   ovs_start NS_SUFFIX   start OVS inside namespace $P$NS_SUFFIX (created with mkns);
#                         sets OVS_D (top dir), OVS_RUN (rundir), OVS_VS, OVS_APP, OVS_OF;
#                         registers ovs_stop with the cleanup trap. Returns non-zero on failure.
#   ovs_stop              exit --cleanup vswitchd, kill ovsdb-server by its pidfile, wait
#                         for both to exit; what did not go to plan is in OVS_STOP_WHY.

ovs_available() {
	command -v ovsdb-server >/dev/null && command -v ovs-vswitchd >/dev/null &&
		command -v ovs-vsctl >/dev/null && command -v ovs-appctl >/dev/null &&
		command -v ovsdb-tool >/dev/null && command -v ovs-ofctl >/dev/null &&
		[ -f /usr/share/openvswitch/vswitch.ovsschema ]
}

ovs_start() {
	local ns=$P$1 schema=/usr/share/openvswitch/vswitch.ovsschema
	OVS_NS=$ns
	OVS_D=$(mktemp -d "/tmp/${P}ovs.XXXXXX") || return 1
	OVS_RUN=$OVS_D/run
	mkdir -p "$OVS_RUN" "$OVS_D/db" "$OVS_D/log" "$OVS_D/etc" || return 1
	on_cleanup ovs_stop
	OVS_VS="ovs-vsctl --timeout=10 --db=unix:$OVS_RUN/db.sock"
	OVS_APP="ovs-appctl --timeout=10 -t $OVS_RUN/ovs-vswitchd.ctl"
	OVS_OF="ovs-ofctl"
	ovsdb-tool create "$OVS_D/db/conf.db" "$schema" || return 1
	OVS_RUNDIR=$OVS_RUN OVS_DBDIR=$OVS_D/db OVS_LOGDIR=$OVS_D/log OVS_SYSCONFDIR=$OVS_D/etc \
	ip netns exec "$ns" ovsdb-server "$OVS_D/db/conf.db" --remote="punix:$OVS_RUN/db.sock" \
		--pidfile="$OVS_RUN/ovsdb-server.pid" --detach --log-file="$OVS_D/log/ovsdb-server.log" \
		--unixctl="$OVS_RUN/ovsdb-server.ctl" -vconsole:off 2>/dev/null || return 1
	$OVS_VS --no-wait init || return 1
	OVS_RUNDIR=$OVS_RUN OVS_DBDIR=$OVS_D/db OVS_LOGDIR=$OVS_D/log OVS_SYSCONFDIR=$OVS_D/etc \
	ip netns exec "$ns" ovs-vswitchd "unix:$OVS_RUN/db.sock" --pidfile="$OVS_RUN/ovs-vswitchd.pid" \
		--detach --log-file="$OVS_D/log/ovs-vswitchd.log" --unixctl="$OVS_RUN/ovs-vswitchd.ctl" \
		-vconsole:off 2>/dev/null || return 1
}

# ovs_pidfile FILE: the PID in FILE, or nothing.
ovs_pidfile() {
	local pid
	pid=$(cat "$1" 2>/dev/null)
	case $pid in ''|*[!0-9]*) ;; *) echo "$pid" ;; esac
}

# ovs_kill_pid PID NAME: SIGTERM, up to 5 s, then SIGKILL and up to 10 s more for the exit
# (SIGKILL is not instant on a loaded machine). Only that PID, read from our own pidfile.
ovs_kill_pid() {
	local i
	[ -n "$1" ] || return 0
	ovs_pid_gone "$1" && return 0
	kill "$1" 2>/dev/null
	for i in $(seq 50); do ovs_pid_gone "$1" && return 0; sleep 0.1; done
	OVS_STOP_WHY="$OVS_STOP_WHY; $2 ignored SIGTERM for 5 s, sent SIGKILL"
	kill -9 "$1" 2>/dev/null
	for i in $(seq 100); do ovs_pid_gone "$1" && return 0; sleep 0.1; done
	OVS_STOP_WHY="$OVS_STOP_WHY; $2 $1 still there 10 s after SIGKILL"
}

# ovs_pid_gone PID: true once PID has exited (no /proc entry, or a zombie waiting for a
# reaper that is not ours: kill -0 succeeds on a zombie, yet nothing of it runs).
ovs_pid_gone() {
	local st
	[ -r "/proc/$1/stat" ] || return 0
	st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

ovs_stop() {
	local vs db i
	[ -n "${OVS_RUN:-}" ] || return 0
	OVS_STOP_WHY=""
	# The PIDs first: ovs-vswitchd unlinks its pidfile while it is still tearing down.
	vs=$(ovs_pidfile "$OVS_RUN/ovs-vswitchd.pid"); db=$(ovs_pidfile "$OVS_RUN/ovsdb-server.pid")
	if [ -S "$OVS_RUN/ovs-vswitchd.ctl" ]; then
		ovs-appctl --timeout=20 -t "$OVS_RUN/ovs-vswitchd.ctl" exit --cleanup >/dev/null 2>&1 ||
			OVS_STOP_WHY="ovs-appctl exit --cleanup failed (exit $?): $(tail -n 3 "$OVS_D/log/ovs-vswitchd.log" 2>/dev/null | tr '\n' ' ')"
		# it exits by itself once it has answered: up to 5 s before a signal
		for i in $(seq 50); do ovs_pid_gone "${vs:-0}" && break; sleep 0.1; done
	fi
	ovs_kill_pid "$vs" ovs-vswitchd
	ovs_kill_pid "$db" ovsdb-server
	rm -rf "$OVS_D"
	OVS_RUN=
}
