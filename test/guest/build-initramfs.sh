#!/bin/bash
# Build the busybox initramfs used by the vhost-vertx guest tests.
#
# Usage: build-initramfs.sh OUT.cpio.gz [KERNEL_VERSION]
#
# KERNEL_VERSION defaults to the highest version that has both
# /boot/vmlinuz-<ver> and /lib/modules/<ver>.  The matching kernel image is
# /boot/vmlinuz-<ver>; the caller boots it with -kernel and this archive with
# -initrd.  The chosen version is printed on stdout as "kver=<ver>".
#
# Host requirements (Debian): busybox-static, cpio, e2fsprogs, gzip (xz-utils
# or zstd only if the kernel's modules are compressed).  Module dependencies
# are resolved from modules.dep by this script; kmod is not needed.
#
# Contents of the archive:
#   /init                 guest init (see guest-init.sh next to this script)
#   /bin/busybox + applet symlinks
#   /sbin/mke2fs, /sbin/e2fsck (+ shared libraries and the dynamic loader)
#   /lib/modules/<ver>/...  the modules listed in MODULES plus dependencies,
#                           decompressed; load order in /etc/vt-modules
#   /scripts/*.sh         the guest check scripts (test/guest/scripts)
set -euo pipefail

die() { echo "build-initramfs: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 OUT.cpio.gz [KERNEL_VERSION]"
out=$1
here=$(cd "$(dirname "$0")" && pwd)

# Modules we want.  Everything that is built into the kernel (=y) is
# silently skipped; everything else must exist.
#   crc32c_generic: ext4/jbd2 need the "crc32c" crypto algorithm (softdep);
#     crc32c-intel is preferred when the CPU has SSE4.2, generic otherwise.
#   crct10dif_generic / crc64_rocksoft_generic: crc-t10dif / crc64-rocksoft
#     (pulled in by sd_mod) look up these crypto algorithms.
MODULES=(
  virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
  virtio_blk
  failover net_failover virtio_net
  scsi_common scsi_mod crct10dif_generic crc64_rocksoft_generic sd_mod virtio_scsi
  crc32c_generic crc32c-intel crc16 mbcache jbd2 ext4
)
# Modules that may legitimately be absent (and may fail to load).
OPTIONAL_MODULES=" crc32c-intel crct10dif_generic crc64_rocksoft_generic "

pick_kver() {
  local v best=
  for v in $(ls /lib/modules 2>/dev/null | sort -V); do
    [ -r "/boot/vmlinuz-$v" ] && best=$v
  done
  echo "$best"
}
kver=${2:-$(pick_kver)}
[ -n "$kver" ] || die "no kernel found (need /boot/vmlinuz-<ver> and /lib/modules/<ver>)"
moddir=/lib/modules/$kver
[ -r "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver missing or unreadable"
[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep missing"

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
  die "$busybox is dynamically linked (install busybox-static)"
fi
command -v cpio >/dev/null || die "cpio not found"
mke2fs=$(PATH=/usr/sbin:/sbin:$PATH command -v mke2fs || true)
e2fsck=$(PATH=/usr/sbin:/sbin:$PATH command -v e2fsck || true)
[ -n "$mke2fs" ] && [ -n "$e2fsck" ] || die "mke2fs/e2fsck not found (install e2fsprogs)"

work=$(mktemp -d "${TMPDIR:-/tmp}/vt-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,scripts,lib64} "$root/lib/modules/$kver"

# --- busybox -------------------------------------------------------------
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] && continue
  ln -s busybox "$root/bin/$applet"
done

# --- e2fsprogs with their shared libraries ---------------------------------
copy_with_libs() {
  local bin=$1 dest=$2 lib
  cp -L "$bin" "$root$dest"
  # ldd lines: "libx.so => /path (addr)" or "/lib64/ld-linux... (addr)"
  for lib in $(ldd "$bin" | awk '/=>/ { if ($3 ~ /^\//) print $3; next } $1 ~ /^\// { print $1 }'); do
    if [ ! -e "$root$lib" ]; then
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    fi
  done
}
copy_with_libs "$mke2fs" /sbin/mke2fs
copy_with_libs "$e2fsck" /sbin/e2fsck
ln -s mke2fs "$root/sbin/mkfs.ext4"
ln -s mke2fs "$root/sbin/mkfs.ext2"
ln -s e2fsck "$root/sbin/fsck.ext4"
ln -s e2fsck "$root/sbin/fsck.ext2"
[ -r /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$root/etc/mke2fs.conf"
: > "$root/etc/fstab"
ln -s /proc/mounts "$root/etc/mtab"

# --- kernel modules ------------------------------------------------------
builtin_or_missing() {
  # returns 0 if module $1 is built in (listed in modules.builtin)
  local m=$1 alt
  alt=$(echo "$m" | tr '_-' '..')
  grep -Eq "/(${alt})\.ko$" "$moddir/modules.builtin" 2>/dev/null
}
mod_path() {
  # relative path of module $1 in modules.dep, '-' and '_' are equivalent
  local alt
  alt=$(echo "$1" | tr '_-' '..')
  awk -F: -v re="/(${alt})\\.ko(\\.xz|\\.zst|\\.gz)?$" '$1 ~ re { print $1; exit }' "$moddir/modules.dep"
}
declare -A seen=()
order=()
add_module_path() {
  # $1 = path relative to $moddir; adds dependencies first
  local rel=$1 dep deps
  [ -n "${seen[$rel]:-}" ] && return 0
  seen[$rel]=1
  deps=$(awk -F: -v p="$rel" '$1 == p { print $2; exit }' "$moddir/modules.dep")
  # modules.dep lists dependencies such that the last one must be loaded first
  for dep in $(echo $deps | tr ' ' '\n' | tac); do
    add_module_path "$dep"
  done
  order+=("$rel")
}
for m in "${MODULES[@]}"; do
  rel=$(mod_path "$m")
  if [ -z "$rel" ]; then
    if builtin_or_missing "$m"; then
      echo "module $m: built in" >&2
      continue
    fi
    case "$OPTIONAL_MODULES" in *" $m "*) echo "module $m: not available (optional)" >&2; continue ;; esac
    die "module $m not found for kernel $kver"
  fi
  add_module_path "$rel"
done
: > "$root/etc/vt-modules"
for rel in "${order[@]}"; do
  src=$moddir/$rel
  dst=$root/lib/modules/$kver/${rel%.xz}
  dst=${dst%.zst}; dst=${dst%.gz}
  mkdir -p "$(dirname "$dst")"
  case "$rel" in
    *.ko.xz)  xz -dc "$src" > "$dst" ;;
    *.ko.zst) zstd -qdc "$src" > "$dst" ;;
    *.ko.gz)  gzip -dc "$src" > "$dst" ;;
    *)        cp "$src" "$dst" ;;
  esac
  name=$(basename "$dst" .ko)
  opt=0
  case "$OPTIONAL_MODULES" in *" $name "*) opt=1 ;; esac
  echo "$name $opt /lib/modules/$kver/${dst#$root/lib/modules/$kver/}" >> "$root/etc/vt-modules"
done
echo "$kver" > "$root/etc/vt-kver"

# --- init and scripts ----------------------------------------------------
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"
for s in "$here"/scripts/*.sh; do
  [ -e "$s" ] || continue
  cp "$s" "$root/scripts/"
  chmod 755 "$root/scripts/$(basename "$s")"
done

# --- archive (sorted, fixed timestamps => reproducible) -------------------
find "$root" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
tmp_out=$(mktemp "$(dirname "$out")/.vt-initramfs.XXXXXX")
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --owner 0:0 --reproducible) \
  | gzip -n -6 > "$tmp_out"
chmod 644 "$tmp_out"
mv -f "$tmp_out" "$out"
echo "kver=$kver"
echo "modules=$(awk '{print $1}' "$root/etc/vt-modules" | tr '\n' ' ')"
