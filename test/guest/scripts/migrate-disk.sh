#!/bin/sh
# Live migration with a vhost-user disk (blk, or a LUN of scsi): the guest keeps reading its disk
# into RAM (the page cache: our back end writes those pages, the guest's CPU never does, so only the
# dirty log can carry them to the destination) and writing a counter, while the host migrates it.
#
# Kernel parameters:
#   vt.lun=N      the disk is LUN N of the virtio-scsi target; without it, /dev/vda (virtio-blk)
#   vt.rounds=N   at most N rounds (default 300) of read/check/write; each round drops the page
#                 cache, reads 8 MiB (into the cache, by DMA), waits a second, then checks the cached
#                 data's md5 without reading the disk again, and writes the round number at 16 MiB
#                 with O_DIRECT
#   vt.after=N    rounds (default 2) after the host said "migrated" on the host channel (ttyS1);
#                 the rounds go on until then, however long the migration takes
# Prints "VT-READY migrate" once the data is on the disk; the host then migrates the guest and
# says "migrated" to the destination.
. /scripts/_lib.sh

rounds=${VT_ROUNDS:-300}
after=${VT_AFTER:-2}
listen_host
if [ -n "$VT_LUN" ]; then
  dev=$(wait_lun "$VT_LUN" 30) || fail "disk" "no LUN $VT_LUN (scsi disks: $(ls /sys/class/scsi_disk | tr '\n' ' '))"
else
  dev=/dev/vda
  wait_for_block "$dev" 30 || fail "disk" "no $dev"
fi
info "disk $dev"
dd if=/dev/urandom of=/tmp/pattern bs=1048576 count=8 2>/dev/null
err=$(dd if=/tmp/pattern of="$dev" bs=1048576 count=8 oflag=direct conv=fsync 2>&1) || fail "write pattern" "$err"
sum=$(md5_file /tmp/pattern)
rm -f /tmp/pattern
ok "8 MiB pattern on the disk, md5 $sum"
echo "VT-READY migrate"

i=1
last=$rounds
told=
while [ $i -le "$last" ]; do
  drop_caches
  # Into the page cache: these pages are written by the back end only.
  dd if="$dev" of=/dev/null bs=1048576 count=8 2>/dev/null || fail "round $i read" "dd failed"
  sleep 1
  # From the page cache (no new disk read): what the back end put there, wherever the guest runs now.
  got=$(dd if="$dev" bs=1048576 count=8 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$got" = "$sum" ] || fail "round $i" "cached disk data has md5 $got, expected $sum"
  printf 'VT-ROUND %08d' "$i" > /tmp/round
  err=$(dd if=/tmp/round of="$dev" bs=4096 count=1 seek=4096 oflag=direct conv=sync,fsync 2>&1) \
    || fail "round $i write" "$err"
  info "round $i ok"
  if [ -z "$told" ] && host_said migrated; then
    told=$i
    info "the host says the migration is over"
    last=$((i + after))
  fi
  i=$((i + 1))
done
[ -n "$told" ] || fail "migration" "the host did not say \"migrated\" within $rounds rounds"
ok "$last rounds: cached disk data intact, counter written"
exit 0
