#!/bin/sh
# virtio-scsi check: LUNs appear with their identity, a read-only LUN is read-only, a LUN added
# while the guest runs appears, grows when resized and goes when removed, and LUN 0 passes the
# whole blk.sh check (patterns, filesystem, marker).
#
# Kernel parameters:
#   vt.size0 / vt.size1   expected sizes of LUN 0 (writable) and LUN 1 (read-only)
#   vt.vendor             expected vendor of every LUN; vt.model0 / vt.model1 their products
#   vt.size2 / vt.size2b  with vt.hotplug=1: the size of the LUN the host adds after "VT-READY hotplug",
#                         and its size after the host resizes it on "VT-READY resize"; the guest then
#                         says "VT-READY unplug" and waits for the LUN to go
. /scripts/_lib.sh

trim() { sed -e 's/ *$//'; }

identity() { # LUN DEV MODEL SIZE
  _sd=$(basename "$2")
  v=$(trim < "/sys/block/$_sd/device/vendor")
  m=$(trim < "/sys/block/$_sd/device/model")
  [ "$v" = "$VT_VENDOR" ] || fail "LUN $1 vendor" "'$v', expected '$VT_VENDOR'"
  [ "$m" = "$3" ] || fail "LUN $1 model" "'$m', expected '$3'"
  s=$(blockdev --getsize64 "$2")
  [ "$s" = "$4" ] || fail "LUN $1 size" "$s bytes, expected $4"
  ok "LUN $1 is $2: vendor $v, model $m, $s bytes"
}

d0=$(wait_lun 0 30) || fail "LUN 0" "no disk after 30 s (scsi disks: $(ls /sys/class/scsi_disk | tr '\n' ' '))"
d1=$(wait_lun 1 30) || fail "LUN 1" "no disk after 30 s (scsi disks: $(ls /sys/class/scsi_disk | tr '\n' ' '))"
identity 0 "$d0" "$VT_MODEL0" "$VT_SIZE0"
identity 1 "$d1" "$VT_MODEL1" "$VT_SIZE1"

VT_DEV=$d1 VT_SIZE=$VT_SIZE1 sh /scripts/blk-ro.sh || exit 1

if [ "$VT_HOTPLUG" = 1 ]; then
  echo "VT-READY hotplug"
  d2=$(wait_lun 2 60) || fail "hot-added LUN 2" "did not appear within 60 s"
  s=$(blockdev --getsize64 "$d2")
  [ "$s" = "$VT_SIZE2" ] || fail "hot-added LUN 2 size" "$s, expected $VT_SIZE2"
  dd if=/dev/urandom of=/tmp/p2 bs=4096 count=4 2>/dev/null
  dd if=/tmp/p2 of="$d2" bs=4096 count=4 oflag=direct conv=fsync 2>/dev/null || fail "write LUN 2" "dd failed"
  [ "$(md5_at "$d2" 0 16384 direct)" = "$(md5_file /tmp/p2)" ] || fail "read LUN 2" "data differs"
  ok "hot-added LUN 2 is $d2 with $s bytes, data round trip"

  echo "VT-READY resize"
  n=300
  while [ "$(blockdev --getsize64 "$d2")" != "$VT_SIZE2B" ]; do
    n=$((n - 1))
    [ $n -gt 0 ] || fail "resized LUN 2" "size still $(blockdev --getsize64 "$d2"), expected $VT_SIZE2B"
    # Any command to the LUN collects the capacity-changed unit attention.
    dd if="$d2" of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null
    usleep 100000
  done
  ok "LUN 2 grew to $VT_SIZE2B bytes"

  echo "VT-READY unplug"
  n=600
  while [ -b "$d2" ] && lun_dev 2 >/dev/null; do
    n=$((n - 1))
    [ $n -gt 0 ] || fail "removed LUN 2" "still present after 60 s"
    usleep 100000
  done
  ok "LUN 2 is gone"
fi

VT_DEV=$d0 VT_SIZE=$VT_SIZE0 sh /scripts/blk.sh || exit 1
exit 0
