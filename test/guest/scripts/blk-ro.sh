#!/bin/sh
# virtio-blk read-only disk check.
#
# Kernel parameters:
#   vt.size=BYTES     required: expected disk size in bytes (multiple of 512)
#   vt.dev=/dev/vda   disk to test
#   vt.md5=HEX        optional: expected md5 of the first MiB of the disk
#                     (or of the whole disk if it is smaller than 1 MiB)
#
# Checks: the disk appears with exactly vt.size bytes; the kernel reports it
# read-only (/sys/block/<dev>/ro = 1, i.e. the device offered
# VIRTIO_BLK_F_RO); reading the first MiB and the last sector works; a 4 KiB
# write at offset 0 fails and the content at offset 0 is unchanged afterwards.
#
# Note: Linux refuses writes to a read-only virtio disk itself, so the write
# request never reaches the back end; this checks the feature negotiation, not
# the back end's rejection of VIRTIO_BLK_T_OUT.
. /scripts/_lib.sh

dev=${VT_DEV:-/dev/vda}
want=$VT_SIZE
[ -n "$want" ] || fail params "vt.size=BYTES not given"

wait_for_block "$dev" 30 || fail "disk $dev" "no block device after 30 s (block devices: $(ls /sys/block | tr '\n' ' '))"
ok "disk $dev present"
size=$(blockdev --getsize64 "$dev") || fail "size" "blockdev --getsize64 $dev failed"
[ "$size" = "$want" ] || fail "size" "$dev has $size bytes, expected $want"
ok "size $size bytes"

name=${dev##*/}
ro=$(cat "/sys/block/$name/ro" 2>/dev/null)
[ "$ro" = 1 ] || fail "read-only flag" "/sys/block/$name/ro is '$ro', expected 1"
ok "kernel sees $dev read-only"

len=1048576
[ "$size" -lt "$len" ] && len=$size
drop_caches
sum=$(dd if="$dev" bs=65536 count="$len" iflag=count_bytes 2>/tmp/err | md5sum | cut -d' ' -f1)
n=$(dd if="$dev" bs=65536 count="$len" iflag=count_bytes 2>/dev/null | wc -c)
[ "$n" -eq "$len" ] || fail "read first $len bytes" "got $n bytes: $(cat /tmp/err)"
if [ -n "$VT_MD5" ]; then
  [ "$sum" = "$VT_MD5" ] || fail "read first $len bytes" "md5 $sum, expected $VT_MD5"
fi
ok "read first $len bytes (md5 $sum)"
n=$(dd if="$dev" bs=512 skip=$((size / 512 - 1)) count=1 2>/dev/null | wc -c)
[ "$n" -eq 512 ] || fail "read last sector" "got $n bytes"
ok "read last sector"

before=$(md5_at "$dev" 0 4096)
dd if=/dev/urandom of=/tmp/pat bs=4096 count=1 2>/dev/null
if err=$(dd if=/tmp/pat of="$dev" bs=4096 count=1 conv=notrunc,fsync 2>&1); then
  fail "write rejected" "dd wrote to the read-only disk without error"
fi
ok "write rejected ($(echo "$err" | head -n 1))"
drop_caches
after=$(md5_at "$dev" 0 4096)
[ "$before" = "$after" ] || fail "content unchanged" "first 4 KiB changed after the rejected write"
ok "content unchanged after rejected write"
exit 0
