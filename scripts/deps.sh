#!/usr/bin/env bash
# Install the Debian packages tlscard needs, idempotently.
#
#   scripts/deps.sh [base|qemu|peers|all]
#
# base   what `make` and `make test` need on the host (compiler libs, cmocka,
#        libpci, jansson, pytest, TLS clients)
# qemu   what `make qemu` / `make guest` need (deb-src + bookworm-backports for
#        QEMU 10.0 source and meson >= 1.5, seabios, ipxe, busybox)
# peers  nginx, haproxy, stunnel, wrk and perf for `make bench`
#
# Packages already installed are not touched; apt is only called when
# something is missing, so a warm machine pays nothing.
set -euo pipefail

set_name=${1:-base}
SOURCES=/etc/apt/sources.list.d/tlscard.sources

BASE_PKGS="build-essential pkg-config libssl-dev openssl libcmocka-dev libpci-dev
 libjansson-dev libinih-dev python3-pytest python3-cryptography clang
 libclang-rt-14-dev valgrind curl gnutls-bin pciutils iproute2 procps"
QEMU_PKGS="dpkg-dev devscripts seabios ipxe-qemu qemu-system-data busybox-static
 cpio gzip ninja-build libglib2.0-dev libslirp-dev libpixman-1-dev zlib1g-dev
 libfdt-dev python3-venv flex bison build-essential pkg-config libssl-dev xz-utils"
PEER_PKGS="nginx-light haproxy stunnel4 wrk linux-perf"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing() {
	local p out=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || out+=("$p")
	done
	echo "${out[@]:-}"
}

# Our own sources file: deb-src for `apt-get source qemu`, and backports for
# QEMU 10.0 and meson >= 1.5.  The main sources list is left alone.
ensure_sources() {
	grep -q "^# tlscard v2" "$SOURCES" 2>/dev/null && return 0
	echo "deps: adding $SOURCES (deb-src + bookworm-backports)"
	as_root tee "$SOURCES" >/dev/null <<'SRC'
# tlscard v2: added by scripts/deps.sh for QEMU source and newer meson.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	as_root apt-get update -qq
}

install() {
	local need
	need=$(missing "$@")
	[ -z "$need" ] && return 0
	echo "deps: installing $need"
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; then
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
	fi
}

install_backport_meson() {
	local v
	v=$(dpkg-query -W -f='${Version}' meson 2>/dev/null || true)
	case "$v" in 1.[5-9]*|1.1[0-9]*) return 0 ;; esac
	ensure_sources
	echo "deps: installing meson from bookworm-backports"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports meson
}

case "$set_name" in
base) install $BASE_PKGS ;;
qemu) ensure_sources; install $QEMU_PKGS; install_backport_meson ;;
peers) install $PEER_PKGS ;;
all) "$0" base; "$0" qemu; "$0" peers ;;
*) echo "usage: $0 [base|qemu|peers|all]" >&2; exit 2 ;;
esac
