#!/usr/bin/env bash
# Build the QEMU guest image: build/guest/vmlinuz (+ vmlinux for a PVH boot)
# and build/guest/initramfs.cpio.gz.  See docs/guest.md.
#
#   scripts/build-guest.sh            build if any input changed
#   scripts/build-guest.sh --force    rebuild the initramfs regardless
#
# Kernel: Debian's linux-image-amd64 (bookworm, 6.1), fetched with
# `apt-get download` and unpacked with dpkg-deb into build/guest/kernel/:
# it is never installed on the host.  Userland: busybox-static, the vfio and
# virtio-net modules in load order, the project's programs with their shared
# libraries, and lspci.  Inputs are hashed; an unchanged image is not rebuilt.
#
# Environment: BUILD (default build), GUEST_KERNEL_PKG (a linux-image-*
# package name to use instead of linux-image-amd64's dependency).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/guest
DEBS=$OUT/debs
KDIR=$OUT/kernel
ROOT=$OUT/rootfs
FORCE=0
[ "${1:-}" = --force ] && FORCE=1

# Guest-side modules wanted, by name; their dependencies are added from each
# module's own "depends=" field.  Built-in ones (modules.builtin) are skipped.
WANT_MODS="irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci
 virtio_pci virtio_net"
# Host programs copied in with their libraries (besides the project's).
HOST_PROGS="/usr/bin/lspci"

log() { echo "guest: $*" >&2; }
die() { echo "guest: error: $*" >&2; exit 1; }

for tool in dpkg-deb cpio gzip objcopy ldd xz apt-get; do
	command -v "$tool" >/dev/null || die "$tool missing (run scripts/deps.sh qemu)"
done
mkdir -p "$DEBS" "$KDIR"

# ---- 1. packages: fetched once into build/guest/debs/ ----------------------

# Newest cached deb of a package, or "".
cached_deb() {
	ls -1 "$DEBS/$1"_*.deb 2>/dev/null | sort -V | tail -n 1 || true
}

fetch_deb() {
	local pkg=$1 deb out
	deb=$(cached_deb "$pkg")
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		# Stale or missing package lists: update once, then retry.
		if ! out=$(cd "$DEBS" && apt-get download -q "$pkg" 2>&1); then
			apt-get update -qq >&2 || true
			out=$(cd "$DEBS" && apt-get download -q "$pkg" 2>&1) ||
				die "apt-get download $pkg failed: $out"
		fi
		deb=$(cached_deb "$pkg")
		[ -n "$deb" ] || die "no .deb for $pkg after download: $out"
	fi
	echo "$deb"
}

kernel_pkg() {
	if [ -n "${GUEST_KERNEL_PKG:-}" ]; then
		echo "$GUEST_KERNEL_PKG"
		return
	fi
	# A deb already cached wins, so a warm tree never touches the network.
	local have
	have=$(ls -1 "$DEBS"/linux-image-[0-9]*.deb 2>/dev/null | sort -V |
		tail -n 1 || true)
	if [ -n "$have" ]; then
		basename "$have" | cut -d_ -f1
		return
	fi
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

KPKG=$(kernel_pkg)
if [ -z "$KPKG" ]; then
	apt-get update -qq >&2 || true
	KPKG=$(kernel_pkg)
fi
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64's kernel package"
KDEB=$(fetch_deb "$KPKG")
BBDEB=$(fetch_deb busybox-static)

# ---- 2. kernel and modules, unpacked only from a new deb ---------------------

if [ ! -f "$KDIR/.from" ] || [ "$(cat "$KDIR/.from")" != "$KDEB" ]; then
	log "unpacking $(basename "$KDEB")"
	rm -rf "$KDIR" && mkdir -p "$KDIR"
	# Only the image and the module tree's metadata plus the drivers we
	# may need: the whole tree is ~400 MB.
	dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$KDIR" --wildcards \
		'./boot/vmlinuz-*' './boot/config-*' \
		'./lib/modules/*/modules.builtin' \
		'./lib/modules/*/kernel/drivers/vfio/*' \
		'./lib/modules/*/kernel/drivers/virtio/*' \
		'./lib/modules/*/kernel/drivers/net/*.ko*' \
		'./lib/modules/*/kernel/net/core/*.ko*' \
		'./lib/modules/*/kernel/virt/lib/*'
	echo "$KDEB" >"$KDIR/.from"
fi
VMLINUZ=$(ls -1 "$KDIR"/boot/vmlinuz-* | head -n 1)
KVER=${VMLINUZ##*/vmlinuz-}
MODDIR=$KDIR/lib/modules/$KVER
grep -q '^CONFIG_INTEL_IOMMU=y' "$KDIR/boot/config-$KVER" ||
	die "$KVER lacks CONFIG_INTEL_IOMMU=y"

if [ ! -f "$OUT/vmlinuz" ] || ! cmp -s "$VMLINUZ" "$OUT/vmlinuz"; then
	cp "$VMLINUZ" "$OUT/vmlinuz"
	# The ELF vmlinux inside the XZ bzImage boots through PVH, which
	# skips in-guest decompression (seconds under TCG).
	rm -f "$OUT/vmlinux"
	off=$(grep -abo $'\xfd7zXZ\x00' "$VMLINUZ" | head -n 1 | cut -d: -f1 || true)
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$VMLINUZ" |
			xz -dc --single-stream >"$OUT/vmlinux.tmp" 2>/dev/null || true
		if head -c 4 "$OUT/vmlinux.tmp" | grep -q 'ELF'; then
			mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
		fi
		rm -f "$OUT/vmlinux.tmp"
	fi
fi

# Module file for a name (vfio-pci and vfio_pci are the same module).
mod_file() {
	local n=${1//-/_} f b
	for f in $(find "$MODDIR/kernel" -name '*.ko*'); do
		b=${f##*/}
		b=${b%%.ko*}
		if [ "${b//-/_}" = "$n" ]; then
			echo "$f"
			return
		fi
	done
}

mod_builtin() {
	local n=${1//-/_}
	# No grep -q: it would stop reading early and, under pipefail, sed's
	# SIGPIPE would turn a match into a failure.
	sed 's|.*/||; s|\.ko.*||; s|-|_|g' "$MODDIR/modules.builtin" |
		grep -x "$n" >/dev/null
}

mod_depends() {
	local f=$1 tmp
	tmp=$(mktemp)
	case "$f" in
	*.xz) xz -dc "$f" >"$tmp" ;;
	*.zst) zstd -qdc "$f" >"$tmp" ;;
	*) cp "$f" "$tmp" ;;
	esac
	objcopy -O binary -j .modinfo "$tmp" /dev/stdout | tr '\0' '\n' |
		sed -n 's/^depends=//p' | tr ',' ' '
	rm -f "$tmp"
}

# Depth-first: every dependency is listed before the module needing it.
ORDER=()
add_mod() {
	local m=$1 f d seen
	for seen in "${ORDER[@]:-}"; do
		[ "${seen//-/_}" = "${m//-/_}" ] && return 0
	done
	if mod_builtin "$m"; then
		return 0
	fi
	f=$(mod_file "$m")
	[ -n "$f" ] || die "module $m not in $KPKG"
	for d in $(mod_depends "$f"); do
		add_mod "$d"
	done
	ORDER+=("$m")
}
for m in $WANT_MODS; do
	add_mod "$m"
done

# ---- 3. the payload ----------------------------------------------------------

PROGS=()
for p in "$BUILD/bin/tlscardctl" "$BUILD/bin/tlscardd"; do
	[ -x "$p" ] && PROGS+=("$p")
done
[ ${#PROGS[@]} -gt 0 ] || log "warning: no $BUILD/bin programs yet (run make)"
for p in $HOST_PROGS; do
	[ -x "$p" ] || die "$p missing (apt-get install pciutils)"
	PROGS+=("$p")
done

# Shared libraries (and the loader) of every program, resolved on the host.
libs_of() {
	ldd "$1" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
}
LIBS=$(for p in "${PROGS[@]}"; do libs_of "$p"; done | sort -u)

vendor=$(awk '/#define TC_PCI_VENDOR_ID/ { sub(/u$/, "", $3); print $3 }' \
	firmware-iface/tc_regs.h)
device=$(awk '/#define TC_PCI_DEVICE_ID/ { sub(/u$/, "", $3); print $3 }' \
	firmware-iface/tc_regs.h)
[ -n "$vendor" ] && [ -n "$device" ] || die "no PCI IDs in tc_regs.h"

# ---- 4. skip when nothing changed ---------------------------------------------

BBBIN=$OUT/busybox
if [ ! -x "$BBBIN" ] || [ "$BBDEB" -nt "$BBBIN" ]; then
	dpkg-deb --fsys-tarfile "$BBDEB" | tar -xO ./bin/busybox >"$BBBIN"
	chmod 755 "$BBBIN"
fi

stamp=$(
	{
		echo "$KDEB $vendor $device ${ORDER[*]}"
		sha256sum "$0" scripts/guest/* "$BBBIN" "${PROGS[@]}" $LIBS \
			/usr/share/misc/pci.ids
	} | sha256sum | cut -d' ' -f1
)
if [ $FORCE = 0 ] && [ -f "$OUT/initramfs.cpio.gz" ] &&
	[ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]; then
	log "up to date ($KVER)"
	exit 0
fi

# ---- 5. the root file system ---------------------------------------------------

log "building initramfs ($KVER; modules: ${ORDER[*]})"
rm -rf "$ROOT"
mkdir -p "$ROOT"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,proc,sys,dev,tmp,run,root}
mkdir -p "$ROOT/lib/modules"
# A merged /usr, as on the host, so ldd's paths are valid in the guest.
ln -s usr/bin "$ROOT/bin"
ln -s usr/sbin "$ROOT/sbin"
rm -rf "$ROOT/lib" && ln -s usr/lib "$ROOT/lib"
ln -s usr/lib64 "$ROOT/lib64"
mkdir -p "$ROOT/usr/lib/modules"

cp "$BBBIN" "$ROOT/usr/bin/busybox"
"$BBBIN" --list-full | while read -r applet; do
	dst=$ROOT/usr/${applet#usr/}
	[ -e "$dst" ] || ln -s /usr/bin/busybox "$dst"
done

i=0
for m in "${ORDER[@]}"; do
	f=$(mod_file "$m")
	dst=$ROOT/usr/lib/modules/$(printf '%02d' $i)-${m}.ko
	case "$f" in
	*.xz) xz -dc "$f" >"$dst" ;;
	*.zst) zstd -qdc "$f" >"$dst" ;;
	*) cp "$f" "$dst" ;;
	esac
	i=$((i + 1))
done

for l in $LIBS; do
	dir=$(realpath "$(dirname "$l")")
	mkdir -p "$ROOT$dir"
	cp -L "$l" "$ROOT$dir/$(basename "$l")"
done
for p in "${PROGS[@]}"; do
	case "$p" in
	"$BUILD"/bin/*)
		# Debug info stays on the host; symbols stay for backtraces.
		strip --strip-debug -o "$ROOT/usr/bin/${p##*/}" "$p" ;;
	*) cp -L "$p" "$ROOT/usr/bin/${p##*/}" ;;
	esac
done
mkdir -p "$ROOT/usr/share/misc"
cp /usr/share/misc/pci.ids "$ROOT/usr/share/misc/"

cp scripts/guest/init "$ROOT/init"
cp scripts/guest/tc-cmdd "$ROOT/usr/bin/tc-cmdd"
cp scripts/guest/tc-daemon "$ROOT/usr/bin/tc-daemon"
chmod 755 "$ROOT/init" "$ROOT/usr/bin/tc-cmdd" "$ROOT/usr/bin/tc-daemon"
cat >"$ROOT/etc/tlscard-guest.conf" <<EOF
# Generated by scripts/build-guest.sh from firmware-iface/tc_regs.h.
TC_VENDOR=$vendor
TC_DEVICE=$device
TC_KVER=$KVER
EOF
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\n' >"$ROOT/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ROOT/etc/hosts"
printf 'hosts: files\n' >"$ROOT/etc/nsswitch.conf"

(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 >"$OUT/initramfs.cpio.gz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
echo "$stamp" >"$OUT/.stamp"
log "wrote $OUT/vmlinuz$([ -f "$OUT/vmlinux" ] && echo ", $OUT/vmlinux")," \
	"$OUT/initramfs.cpio.gz ($(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB)"
