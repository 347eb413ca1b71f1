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
