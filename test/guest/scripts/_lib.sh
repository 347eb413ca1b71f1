# Helpers sourced by the guest check scripts (not a check script itself).
#
# Every check prints exactly one line:
#   VT-OK <what>
#   VT-FAIL <what>: <detail>
# and a failing check ends the script with exit status 1.

# busybox sh runs its own applets (mke2fs, ...) in preference to $PATH, so
# the e2fsprogs binaries are called by absolute path.
MKE2FS=/sbin/mke2fs
E2FSCK=/sbin/e2fsck

ok() {
  echo "VT-OK $*"
}

# fail WHAT DETAIL...
fail() {
  what=$1
  shift
  echo "VT-FAIL $what: $*"
  exit 1
}

# info TEXT... : progress/diagnostic line that is not a check
info() {
  echo "VT-INFO $*"
}

# wait_for_block DEV SECONDS: wait until DEV exists as a block device
wait_for_block() {
  _n=$(( ${2:-30} * 10 ))
  while [ ! -b "$1" ]; do
    _n=$((_n - 1))
    [ "$_n" -gt 0 ] || return 1
    usleep 100000
  done
  return 0
}

# md5 of LEN bytes at byte offset OFF of FILE, read with FLAGS (e.g. direct)
# usage: md5_at FILE OFF LEN [iflag-extra]
md5_at() {
  _fl=skip_bytes,count_bytes${4:+,$4}
  dd if="$1" bs=4096 skip="$2" count="$3" iflag="$_fl" 2>/dev/null | md5sum | cut -d' ' -f1
}

# hex_at FILE OFF LEN: LEN bytes at byte offset OFF as hex on one line
hex_at() {
  dd if="$1" bs=4096 skip="$2" count="$3" iflag=skip_bytes,count_bytes 2>/dev/null | hexdump -v -e '1/1 "%02x"'
}

md5_file() {
  md5sum "$1" | cut -d' ' -f1
}

drop_caches() {
  sync
  echo 3 > /proc/sys/vm/drop_caches
}

# lun_dev N: the block device of LUN N of target 0, or nothing
lun_dev() {
  for d in /sys/class/scsi_disk/*:0:0:"$1"; do
    [ -d "$d/device/block" ] || continue
    echo "/dev/$(ls "$d/device/block" | head -n 1)"
    return 0
  done
  return 1
}

# wait_lun N SECONDS: print the device of LUN N once it exists as a block device
wait_lun() {
  _n=$(( $2 * 10 ))
  while :; do
    _d=$(lun_dev "$1") && [ -b "$_d" ] && { echo "$_d"; return 0; }
    _n=$((_n - 1))
    [ "$_n" -gt 0 ] || return 1
    usleep 100000
  done
}

# The host's messages: a second serial port (the guest's ttyS1; QemuGuest.Builder.hostChannel) on
# which the host writes lines (QemuGuest.Running.tell). listen_host keeps the port open from now on
# (the 8250 driver empties the FIFO when a port is opened, so a later open could lose a line) and
# appends what arrives to /tmp/host; host_said WORD says whether a line WORD has arrived.
listen_host() {
  [ -c /dev/ttyS1 ] || fail "host channel" "no /dev/ttyS1"
  stty -F /dev/ttyS1 raw -echo || fail "host channel" "stty on /dev/ttyS1 failed"
  : > /tmp/host
  cat /dev/ttyS1 >> /tmp/host &
}

host_said() {
  tr -d '\r' < /tmp/host | grep -qx "$1"
}

# wait_for_net DEV: waits up to 10 s for network interface DEV
wait_for_net() {
  _n=100
  while [ ! -e "/sys/class/net/$1" ]; do
    _n=$((_n - 1)); [ $_n -gt 0 ] || fail "net device" "no $1 after 10 s ($(ls /sys/class/net | tr '\n' ' '))"
    usleep 100000
  done
}

# net_up DEV IP: brings DEV up with IP/24 and reports it
net_up() {
  ip link set "$1" up || fail "link up" "ip link set $1 up failed"
  ip addr add "$2/24" dev "$1" || fail "address" "ip addr add $2 failed"
  ok "$1 up with $2, mtu $(cat "/sys/class/net/$1/mtu"), mac $(cat "/sys/class/net/$1/address")"
}

# wait_for_peer IP: the other guest may still be booting: waits up to 120 s for its answer
wait_for_peer() {
  _n=120
  until ping -c 1 -W 1 "$1" > /dev/null 2>&1; do
    _n=$((_n - 1)); [ $_n -gt 0 ] || fail "ping $1" "no answer within 120 s"
  done
}

# receive_done FILE WHAT [SECONDS]: waits (default 120 s) for the listening nc to end (the sender closed)
receive_done() {
  _n=$(( ${3:-120} * 10 ))
  while [ -n "$(pidof nc)" ]; do
    _n=$((_n - 1)); [ $_n -gt 0 ] || fail "$2" "nc -l still running after ${3:-120} s ($(wc -c < "$1") bytes)"
    usleep 100000
  done
}
