#!/usr/bin/env bash
# deps.sh: install the Debian packages dptune's build, tests, benchmarks and demo need,
# only those missing. Needs root (or sudo) and Debian's apt.
set -eu
pkgs=(
	build-essential pkg-config clang libclang-rt-14-dev llvm
	libmnl-dev libjson-c-dev libcmocka-dev libbpf-dev libelf-dev bpftool
	libmicrohttpd-dev libncurses-dev libzstd-dev libcrypt-dev
	iproute2 ethtool nftables iputils-ping procps socat bc perl kmod
	openvswitch-switch openvswitch-common
	iperf3 netsniff-ng python3
	prometheus prometheus-node-exporter tmux chromium
	apache2-utils curl openssl
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
if ! $SUDO apt-get install "${apt_opts[@]}" "${missing[@]}" >/tmp/dptune-deps.log 2>&1; then
	$SUDO apt-get update -q >>/tmp/dptune-deps.log 2>&1 || true
	$SUDO apt-get install "${apt_opts[@]}" "${missing[@]}" >>/tmp/dptune-deps.log 2>&1 || {
		echo "deps: apt-get install failed; see /tmp/dptune-deps.log" >&2
		tail -20 /tmp/dptune-deps.log >&2
		exit 1
	}
fi
echo "deps: done"
