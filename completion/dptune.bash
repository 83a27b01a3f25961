# bash completion for dptune. Everything offered comes from the binary's own option
# tables (`dptune --list-commands`, `dptune CMD [SUB] --list-options`, `dptune CMD
# --list-commands`), so completion cannot drift from what dptune parses.
_dptune_words() { "${DPTUNE_BIN:-dptune}" "$@" 2>/dev/null | awk '{print $1}'; }
_dptune() {
	local cur prev cmd sub i w
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd= sub=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		[ "$w" = "--" ] && { COMPREPLY=($(compgen -c -- "$cur")); return; }
		case $w in -*) continue ;; esac
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ -z "$sub" ] && _dptune_words "$cmd" --list-commands | grep -qx -- "$w"; then
			sub=$w
		fi
	done
	if [ -z "$cmd" ]; then
		case $cur in
		-*) COMPREPLY=($(compgen -W "--version --help -v" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "$(_dptune_words --list-commands)" -- "$cur")) ;;
		esac
		return
	fi
	case $prev in
	--netns|-N) COMPREPLY=($(compgen -W "host $(ip netns list 2>/dev/null | cut -d' ' -f1)" -- "$cur")); return ;;
	--dev|-D) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	--layer|-l) COMPREPLY=($(compgen -W "nic irq softirq backlog qdisc vdev netfilter ip udp socket" -- "$cur")); return ;;
	--proc-root|--sys-root|--ovs-rundir|--state-dir|--run-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--scenario) COMPREPLY=($(compgen -W "$(_dptune_words lab --list-scenarios)" -- "$cur")); return ;;
	--lab) COMPREPLY=($(compgen -W "$(_dptune_words lab --list-labs)" -- "$cur")); return ;;
	--web.config.file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [ -z "$sub" ] && [[ $cur != -* ]]; then
		local subs
		subs=$(_dptune_words "$cmd" --list-commands)
		if [ -n "$subs" ]; then
			COMPREPLY=($(compgen -W "$subs" -- "$cur"))
			return
		fi
	fi
	if [[ $cur != -* ]] && [ "$cmd" = lab ]; then
		case $sub in
		up) COMPREPLY=($(compgen -W "$(_dptune_words lab --list-scenarios)" -- "$cur")); return ;;
		down|status|fault|exec|matrix) COMPREPLY=($(compgen -W "$(_dptune_words lab --list-labs)" -- "$cur")); return ;;
		esac
	fi
	COMPREPLY=($(compgen -W "$(_dptune_words "$cmd" ${sub:+"$sub"} --list-options)" -- "$cur"))
}
complete -F _dptune dptune
