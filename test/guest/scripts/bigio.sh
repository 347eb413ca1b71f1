#!/bin/sh
# Large O_DIRECT I/O on every disk the guest has: what Linux does to a disk with `dd bs=4M
# oflag=direct` (requests of up to max_sectors_kb, as many segments as the device's seg_max allows,
# indirect tables longer than a small ring), checked with md5.
#
# Kernel parameters:
#   vt.disks=N        required: how many disks (vd* and sd*) must appear
#   vt.mib=16         MiB written and read back per disk and block size
#
# For each disk, in blocks of the guest's max_sectors_kb, then in 4 MiB blocks with max_sectors_kb
# raised to min(max_hw_sectors_kb, 4096) so that one request is as large as the device lets Linux
# make it: random data written with O_DIRECT + fsync at an offset of 1 MiB, read back with
# O_DIRECT, md5 compared.
. /scripts/_lib.sh

want=$VT_DISKS
mib=${VT_MIB:-16}
[ -n "$want" ] || fail params "vt.disks=N not given"

n=300
while :; do
  disks=$(ls /sys/block | grep -E '^(vd|sd)' | sort)
  [ "$(echo "$disks" | grep -c .)" -ge "$want" ] && break
  n=$((n - 1))
  [ $n -gt 0 ] || fail "disks" "$want expected after 30 s, have: $(echo $disks)"
  usleep 100000
done
for d in $disks; do
  wait_for_block "/dev/$d" 30 || fail "disk $d" "no /dev/$d"
done
ok "$want disks: $(echo $disks)"

dd if=/dev/urandom of=/tmp/data bs=1048576 count="$mib" 2>/dev/null
for d in $disks; do
  q=/sys/block/$d/queue
  hw=$(cat $q/max_hw_sectors_kb)
  kb=$(cat $q/max_sectors_kb)
  # First in requests of the guest's own max_sectors_kb, then with it raised (to at most 4 MiB) so
  # that a 4 MiB block is one request of as many segments as the device allows.
  raised=$hw
  [ "$raised" -le 4096 ] || raised=4096
  for step in "$kb $((kb * 1024))" "$raised 4194304"; do
    set -- $step
    echo "$1" > $q/max_sectors_kb || fail "$d max_sectors_kb" "cannot set $1 (max_hw_sectors_kb $hw)"
    bs=$2
    info "$d max_hw_sectors_kb=$hw max_sectors_kb=$(cat $q/max_sectors_kb) max_segments=$(cat $q/max_segments)"
    count=$(( mib * 1048576 / bs ))
    [ "$count" -ge 1 ] || count=1
    bytes=$(( count * bs ))
    err=$(dd if=/tmp/data of="/dev/$d" bs="$bs" count="$count" seek=1048576 oflag=seek_bytes,direct conv=notrunc,fsync 2>&1) \
      || fail "$d write $count x $bs direct" "$err"
    drop_caches
    exp=$(dd if=/tmp/data bs="$bs" count="$count" 2>/dev/null | md5sum | cut -d' ' -f1)
    got=$(dd if="/dev/$d" bs="$bs" count="$count" skip=1048576 iflag=skip_bytes,direct 2>/dev/null | md5sum | cut -d' ' -f1)
    [ "$got" = "$exp" ] || fail "$d read $count x $bs direct" "md5 $got, expected $exp"
    ok "$d $bytes bytes in blocks of $bs (max_sectors_kb $1) written and read back with O_DIRECT"
  done
done
rm -f /tmp/data
exit 0
