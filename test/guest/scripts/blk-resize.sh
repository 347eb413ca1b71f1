#!/bin/sh
# virtio-blk resize check: the host grows the disk while the guest runs, and Linux sees the new
# capacity (our CONFIG_CHANGE_MSG, QEMU's GET_CONFIG and config interrupt, the driver's capacity
# update) and can use the new end.
#
# Kernel parameters:
#   vt.size=BYTES     required: the disk's size at boot
#   vt.size2=BYTES    required: its size once the host has grown it. The guest says
#                     "VT-READY resize" when the host may grow it, then waits up to 60 s for
#                     /sys/block/<dev>/size to show the new size
#   vt.dev=/dev/vda   disk to test
#   vt.mark=VHOST-VERTX-GUEST-MARK  written at the start of the grown disk's last 4 KiB, which
#                     the host then finds in the image
. /scripts/_lib.sh

dev=${VT_DEV:-/dev/vda}
name=${dev##*/}
mark=${VT_MARK:-VHOST-VERTX-GUEST-MARK}
[ -n "$VT_SIZE" ] && [ -n "$VT_SIZE2" ] || fail params "vt.size=BYTES and vt.size2=BYTES are required"

wait_for_block "$dev" 30 || fail "disk $dev" "no block device after 30 s (block devices: $(ls /sys/block | tr '\n' ' '))"
sectors=$(cat "/sys/block/$name/size")
[ "$sectors" = $((VT_SIZE / 512)) ] || fail "size at boot" "/sys/block/$name/size is $sectors, expected $((VT_SIZE / 512))"
ok "disk $dev has $VT_SIZE bytes"

echo "VT-READY resize"
n=600
while [ "$(cat "/sys/block/$name/size")" != $((VT_SIZE2 / 512)) ]; do
  n=$((n - 1))
  [ $n -gt 0 ] || fail "grown disk" "/sys/block/$name/size still $(cat "/sys/block/$name/size") after 60 s, expected $((VT_SIZE2 / 512))"
  usleep 100000
done
ok "/sys/block/$name/size grew to $((VT_SIZE2 / 512)) sectors"
s=$(blockdev --getsize64 "$dev")
[ "$s" = "$VT_SIZE2" ] || fail "grown disk" "blockdev --getsize64 says $s, expected $VT_SIZE2"
ok "disk $dev has $VT_SIZE2 bytes"

# The new end is the disk's: the marker goes into its last 4 KiB and comes back.
last=$((VT_SIZE2 / 4096 - 1))
printf '%s' "$mark" > /tmp/mark
err=$(dd if=/tmp/mark of="$dev" bs=4096 count=1 seek="$last" oflag=direct conv=notrunc,sync,fsync 2>&1) \
  || fail "write beyond the old end" "$err"
drop_caches
got=$(dd if="$dev" bs=4096 skip=$((VT_SIZE2 - 4096)) count=${#mark} iflag=skip_bytes,count_bytes 2>/dev/null)
[ "$got" = "$mark" ] || fail "read beyond the old end" "got '$got'"
ok "marker $mark in the last 4 KiB of the grown disk"
exit 0
