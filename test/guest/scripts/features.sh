#!/bin/sh
# Prints the virtio features Linux negotiated for each virtio block disk, as its driver reports them
# (/sys/block/<disk>/device/features: one 0/1 character per bit, bit 0 first), and does I/O on each
# so that a feature turned off is shown not to matter to the data.
#
# Kernel parameters:
#   vt.disks=N   how many disks to wait for (vda, vdb, ...; default 2)
. /scripts/_lib.sh

n=${VT_DISKS:-2}
for name in $(echo vda vdb vdc vdd | cut -d' ' -f1-"$n"); do
  wait_for_block "/dev/$name" 30 || fail "disk $name" "no /dev/$name"
  features=$(cat "/sys/block/$name/device/features") || fail "features $name" "no features in sysfs"
  echo "VT-INFO features $name $features"
  dd if=/dev/urandom of=/tmp/data bs=65536 count=16 2>/dev/null
  err=$(dd if=/tmp/data of="/dev/$name" bs=65536 oflag=direct conv=fsync 2>&1) || fail "write $name" "$err"
  got=$(dd if="/dev/$name" bs=65536 count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$got" = "$(md5_file /tmp/data)" ] || fail "read $name" "md5 $got"
  ok "$name: 1 MiB written and read back"
done
exit 0
