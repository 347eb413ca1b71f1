#!/bin/sh
# virtio-blk read/write check.
#
# Kernel parameters:
#   vt.size=BYTES       required: expected disk size in bytes (multiple of 4096,
#                       at least 16 MiB)
#   vt.dev=/dev/vda     disk to test
#   vt.fs=ext4          ext4 or ext2 (both made by e2fsprogs' mke2fs)
#   vt.file_mib=4       size of the file written through the filesystem
#   vt.discard=1        let mke2fs discard the disk (default: -E nodiscard)
#   vt.mark=VHOST-VERTX-GUEST-MARK  marker string (no spaces)
#   vt.packed=1|0       optional: require that VIRTIO_F_RING_PACKED was (1) or
#                       was not (0) negotiated
#   vt.queues=N         optional: expected number of blk-mq hardware queues
#                       (= min(num-queues, guest CPUs) for virtio-blk)
#
# Steps:
#   1. the disk appears and has exactly vt.size bytes
#   2. distinct random 4 KiB patterns are written with O_DIRECT (+fsync) at
#      byte offsets 0, 1 MiB + 512, the middle (size/2 rounded down to 512)
#      and size - 4096 (covers the last sector); they are read back with
#      O_DIRECT and, after dropping the page cache, with buffered reads
#   3. a filesystem is made on the first size - 4096 bytes (the last 4 KiB
#      block is deliberately left outside the filesystem), mounted, a random
#      file of vt.file_mib MiB plus some small files are written, synced,
#      unmounted, mounted again and compared, unmounted, and `e2fsck -f -n`
#      must report a clean filesystem
#   4. the marker: the last 4096 bytes of the disk (byte offset size - 4096)
#      are overwritten with the marker string followed by zero bytes (written
#      with O_DIRECT + fsync, then read back).  After the guest has finished
#      the host can check the image: bytes [size-4096, size-4096+len(mark))
#      equal the marker, and the filesystem in the first size-4096 bytes is
#      clean (e2fsck -f -n on the image).
. /scripts/_lib.sh

dev=${VT_DEV:-/dev/vda}
fs=${VT_FS:-ext4}
file_mib=${VT_FILE_MIB:-4}
mark=${VT_MARK:-VHOST-VERTX-GUEST-MARK}
want=$VT_SIZE

[ -n "$want" ] || fail params "vt.size=BYTES not given"
case "$fs" in ext2|ext4) ;; *) fail params "vt.fs must be ext2 or ext4, not $fs" ;; esac

# --- 1. device and size -------------------------------------------------------
wait_for_block "$dev" 30 || fail "disk $dev" "no block device after 30 s (block devices: $(ls /sys/block | tr '\n' ' '))"
ok "disk $dev present"
size=$(blockdev --getsize64 "$dev") || fail "size" "blockdev --getsize64 $dev failed"
[ "$size" = "$want" ] || fail "size" "$dev has $size bytes, expected $want"
[ $((size % 4096)) -eq 0 ] && [ "$size" -ge $((16 * 1024 * 1024)) ] \
  || fail "size" "vt.size must be a multiple of 4096 and >= 16 MiB for this script"
ok "size $size bytes"

# blk-mq maps each CPU to a hardware queue (one virtqueue each); pattern I/O
# below is pinned round-robin to the CPUs so that every queue is used when
# the guest has as many CPUs as queues (QEMU -smp N).
name=${dev##*/}
ncpu=$(nproc)
nq=$(ls "/sys/block/$name/mq" 2>/dev/null | wc -l)
info "cpus=$ncpu hw-queues=$nq"
# negotiated virtio feature bits, one character per bit starting at bit 0
vdev=$(basename "$(readlink -f "/sys/block/$name/device")")
feat=$(cat "/sys/bus/virtio/devices/$vdev/features" 2>/dev/null)
info "features $feat"
bit() { [ "$(echo "$feat" | cut -c$(($1 + 1)))" = 1 ]; }
if [ -n "$VT_PACKED" ]; then
  # VIRTIO_F_RING_PACKED = bit 34
  if [ "$VT_PACKED" = 1 ]; then
    bit 34 || fail "packed ring" "VIRTIO_F_RING_PACKED not negotiated (features $feat)"
    ok "packed ring negotiated"
  else
    bit 34 && fail "split ring" "VIRTIO_F_RING_PACKED negotiated although vt.packed=0"
    ok "split ring negotiated"
  fi
fi
if [ -n "$VT_QUEUES" ]; then
  [ "$nq" = "$VT_QUEUES" ] || fail "queues" "$dev has $nq hardware queues, expected $VT_QUEUES (guest cpus: $ncpu)"
  ok "$nq hardware queues"
fi
# oncpu N CMD...: run CMD (an executable/applet, not a function) on CPU N mod ncpu
oncpu() {
  _c=$(( $1 % ncpu ))
  shift
  if [ "$ncpu" -gt 1 ]; then taskset -c "$_c" "$@"; else "$@"; fi
}

# O_DIRECT works with busybox dd on this kernel; fall back to buffered I/O
# with explicit flushes if it does not (e.g. unaligned buffers).
if dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null; then
  wflag=seek_bytes,direct
  rflag=direct
  info "using O_DIRECT"
else
  wflag=seek_bytes
  rflag=
  info "O_DIRECT not usable, using buffered I/O + sync + drop_caches"
fi

# --- 2. patterns at several offsets -----------------------------------------------
mid=$(( size / 2 / 512 * 512 ))
last=$(( size - 4096 ))
offsets="0 $((1024 * 1024 + 512)) $mid $last"
i=0
for off in $offsets; do
  i=$((i + 1))
  dd if=/dev/urandom of=/tmp/pat.$i bs=4096 count=1 2>/dev/null
  # make every pattern self-identifying (shows up in a hexdump on the host)
  printf 'VT-PATTERN %d @%d ' "$i" "$off" | dd of=/tmp/pat.$i conv=notrunc 2>/dev/null
  err=$(oncpu "$i" dd if=/tmp/pat.$i of="$dev" bs=4096 count=1 seek="$off" oflag="$wflag" conv=notrunc,fsync 2>&1) \
    || fail "write 4 KiB at $off" "$err"
done
ok "wrote 4 KiB patterns at offsets $offsets"

drop_caches
i=0
for off in $offsets; do
  i=$((i + 1))
  exp=$(md5_file /tmp/pat.$i)
  got=$(oncpu $((i + 1)) dd if="$dev" bs=4096 skip="$off" count=4096 iflag=skip_bytes,count_bytes${rflag:+,$rflag} 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$got" = "$exp" ] || fail "read back at $off" "md5 $got, expected $exp (disk starts with: $(hex_at "$dev" "$off" 32))"
done
ok "read back patterns${rflag:+ (O_DIRECT)}"

drop_caches
i=0
for off in $offsets; do
  i=$((i + 1))
  exp=$(md5_file /tmp/pat.$i)
  got=$(md5_at "$dev" "$off" 4096)
  [ "$got" = "$exp" ] || fail "buffered read back at $off" "md5 $got, expected $exp"
done
ok "read back patterns (buffered, after drop_caches)"

# With several queues and CPUs, every virtqueue must have completed requests
# (per-queue MSI-X interrupts "virtioN-req.Q" in /proc/interrupts).
irqs=$(awk -v v="$vdev" -v n="$ncpu" '$NF ~ ("^" v "-req\\.") { s = 0; for (i = 2; i <= n + 1; i++) s += $i; printf "%s=%d ", $NF, s }' /proc/interrupts)
info "interrupts: ${irqs:-none per queue}"
if [ "$nq" -gt 1 ] && [ "$ncpu" -ge "$nq" ] && [ -n "$irqs" ]; then
  for q in $irqs; do
    [ "${q#*=}" -gt 0 ] || fail "all queues used" "no completions on ${q%=*} ($irqs)"
  done
  ok "all $nq queues completed requests"
fi

# a larger sequential transfer (several requests, multi-segment) round trip
dd if=/dev/urandom of=/tmp/seq bs=65536 count=16 2>/dev/null
seqoff=$((2 * 1024 * 1024))
err=$(dd if=/tmp/seq of="$dev" bs=65536 seek="$seqoff" oflag="$wflag" conv=notrunc,fsync 2>&1) \
  || fail "write 1 MiB at $seqoff" "$err"
drop_caches
got=$(dd if="$dev" bs=65536 skip="$seqoff" count=1048576 iflag=skip_bytes,count_bytes 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$got" = "$(md5_file /tmp/seq)" ] || fail "read back 1 MiB at $seqoff" "md5 mismatch"
ok "1 MiB sequential round trip at $seqoff"
rm -f /tmp/pat.* /tmp/seq

# --- 3. filesystem --------------------------------------------------------------
fsblocks=$(( (size - 4096) / 4096 ))
mkfs_opts="lazy_itable_init=0,lazy_journal_init=0"
[ "$VT_DISCARD" = 1 ] || mkfs_opts="nodiscard,$mkfs_opts"
err=$("$MKE2FS" -F -q -t "$fs" -b 4096 -E "$mkfs_opts" "$dev" "$fsblocks" 2>&1) \
  || fail "mkfs $fs" "$err"
ok "mkfs $fs ($fsblocks blocks of 4 KiB)"

mkdir -p /mnt
err=$(mount -t "$fs" "$dev" /mnt 2>&1) || fail "mount" "$err"
dd if=/dev/urandom of=/tmp/data bs=1048576 count="$file_mib" 2>/dev/null
sum=$(md5_file /tmp/data)
cp /tmp/data /mnt/data || fail "write file" "cp to /mnt/data failed"
mkdir /mnt/small || fail "mkdir" "mkdir /mnt/small failed"
n=0
while [ $n -lt 32 ]; do
  echo "small file $n $sum" > /mnt/small/f$n || fail "write small file" "/mnt/small/f$n"
  n=$((n + 1))
done
sync
err=$(umount /mnt 2>&1) || fail "umount" "$err"
ok "wrote $file_mib MiB file and 32 small files, unmounted"

drop_caches
err=$(mount -t "$fs" "$dev" /mnt 2>&1) || fail "remount" "$err"
got=$(md5_file /mnt/data)
[ "$got" = "$sum" ] || fail "file content after remount" "md5 $got, expected $sum"
n=0
while [ $n -lt 32 ]; do
  [ "$(cat /mnt/small/f$n)" = "small file $n $sum" ] || fail "small file after remount" "/mnt/small/f$n differs"
  n=$((n + 1))
done
err=$(umount /mnt 2>&1) || fail "umount after check" "$err"
ok "file contents after remount"
rm -f /tmp/data

out=$("$E2FSCK" -f -n "$dev" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "fsck" "e2fsck -f -n exit $rc: $(echo "$out" | tr '\n' ' ' | cut -c1-400)"
ok "fsck clean"

# --- 4. marker in the last 4 KiB (outside the filesystem) --------------------------
printf '%s' "$mark" > /tmp/mark
err=$(dd if=/tmp/mark of="$dev" bs=4096 count=1 seek="$last" oflag="$wflag" conv=notrunc,sync,fsync 2>&1) \
  || fail "write marker" "$err"
drop_caches
got=$(dd if="$dev" bs=4096 skip="$last" count=${#mark} iflag=skip_bytes,count_bytes 2>/dev/null)
[ "$got" = "$mark" ] || fail "read marker" "got '$got'"
sync
ok "marker $mark at offset $last"
exit 0
