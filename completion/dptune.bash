# bash completion for dptune. Options come from `dptune CMD --help`, so they never drift.
_dptune() {
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(dptune --help 2>/dev/null | awk '/^commands:/{f=1;next} f&&NF{print $1}') --version -v" -- "$cur"))
		return
	fi
	case $prev in
	--netns) COMPREPLY=($(compgen -W "host $(ip netns list 2>/dev/null | cut -d' ' -f1)" -- "$cur")); return ;;
	--dev) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	--layer) COMPREPLY=($(compgen -W "nic irq softirq backlog qdisc vdev netfilter ip udp socket" -- "$cur")); return ;;
	--proc-root|--sys-root|--ovs-rundir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	esac
	COMPREPLY=($(compgen -W "$(dptune "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z0-9-]+' | sort -u)" -- "$cur"))
}
complete -F _dptune dptune
