#!/bin/sh
# Live migration with a vhost-user disk (blk, or a LUN of scsi): the guest reads and checks its
# disk and writes a counter round after round while the host migrates it, and proves that data our
# back end put into guest memory during the migration reached the destination (below).
#
# Kernel parameters:
#   vt.lun=N      the disk is LUN N of the virtio-scsi target; without it, /dev/vda (virtio-blk)
#   vt.rounds=N   at most N rounds (default 300); each reads 8 MiB, waits a second, reads them
#                 again and checks their md5 (each read goes to the disk: Linux drops a block
#                 device's page cache when its last opener closes it), and writes the round
#                 number at 16 MiB with O_DIRECT
#   vt.after=N    rounds (default 2) after the host said "migrated" on the host channel (ttyS1);
#                 the rounds go on until then, however long the migration takes
# Prints "VT-READY migrate" once the data is on the disk; the host then starts the migration and
# holds it from completing (stopping the destination QEMU, so the stream stalls). Once QEMU has sent all RAM once, the host says "read": the guest writes
# 8 MiB of new data at 24 MiB (O_DIRECT) and reads it into the page cache (our back end writes those
# pages, after QEMU sent them), prints "VT-READ-DONE", and waits for "migrated" from the host, which
# lets the migration complete first. On the destination it checks the cached data without reading
# the disk again: if our dirty log missed a page, the destination holds that page's old content.
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
# Memory the guest's CPU keeps writing until the migration is over: QEMU completes a migration
# once what is left to send fits its downtime limit, so with the host's limit of 1 ms this keeps it
# iterating until the host has stopped the destination.
( while [ ! -e /tmp/migrated ]; do dd if=/dev/zero of=/tmp/dirt bs=65536 count=4 conv=notrunc 2>/dev/null; done ) &
echo "VT-READY migrate"

# read_during_migration: new data on the disk, read into the page cache while the migration
# iterates, checked after it from the cache alone
read_during_migration() {
  name=${dev##*/}
  dd if=/dev/urandom of=/tmp/fresh bs=1048576 count=8 2>/dev/null
  err=$(dd if=/tmp/fresh of="$dev" bs=1048576 seek=24 count=8 oflag=direct conv=fsync 2>&1) \
    || fail "write fresh data" "$err"
  want=$(md5_file /tmp/fresh)
  drop_caches
  blockdev --setra 0 "$dev"
  # Held open: Linux drops a block device's page cache when its last opener closes it.
  exec 4< "$dev"
  dd if="$dev" of=/dev/null bs=1048576 skip=24 count=8 2>/dev/null || fail "read fresh data" "dd failed"
  reads=$(awk '{ print $1 }' "/sys/block/$name/stat")
  echo "VT-READ-DONE"
  n=3000
  until host_said migrated; do
    n=$((n - 1)); [ $n -gt 0 ] || fail "migration" "the host did not say \"migrated\" within 600 s"
    usleep 200000
  done
  info "the host says the migration is over"
  touch /tmp/migrated
  got=$(dd if="$dev" bs=1048576 skip=24 count=8 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$(awk '{ print $1 }' "/sys/block/$name/stat")" = "$reads" ] \
    || fail "page cache" "the check read the disk again, so it proves nothing"
  [ "$got" = "$want" ] \
    || fail "dirty log" "data read into RAM during the migration has md5 $got on the destination, expected $want"
  exec 4<&-
  ok "8 MiB read into RAM during the migration arrived intact"
}

i=1
last=$rounds
told=
while [ $i -le "$last" ]; do
  drop_caches
  dd if="$dev" of=/dev/null bs=1048576 count=8 2>/dev/null || fail "round $i read" "dd failed"
  sleep 1
  # Read again (from the disk: the last close dropped the cache) and checked: the device serves reads
  # and writes all along, wherever the guest runs now.
  got=$(dd if="$dev" bs=1048576 count=8 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$got" = "$sum" ] || fail "round $i" "disk data has md5 $got, expected $sum"
  printf 'VT-ROUND %08d' "$i" > /tmp/round
  err=$(dd if=/tmp/round of="$dev" bs=4096 count=1 seek=4096 oflag=direct conv=sync,fsync 2>&1) \
    || fail "round $i write" "$err"
  info "round $i ok"
  if [ -z "$told" ] && host_said read; then
    read_during_migration
    told=$i
    last=$((i + after))
  fi
  i=$((i + 1))
done
[ -n "$told" ] || fail "migration" "the host did not say \"migrated\" within $rounds rounds"
ok "$last rounds: disk data intact, counter written"
exit 0
