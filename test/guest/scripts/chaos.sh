#!/bin/sh
# Reconnect chaos: the host kills our back end (SIGKILL) and starts it again, again and again,
# while this guest writes numbered blocks to one disk and files to an ext4 file system on
# another. The guest must see no I/O error; every write acknowledged (printed) before a kill must
# be on the disk afterwards; the file system must check clean.
#
# Kernel parameters:
#   vt.raw=DEV     the disk for numbered blocks (default /dev/vda)
#   vt.fs=DEV      the disk for the file system (default /dev/vdb; "none" for no file system)
#   vt.slots=N     64 KiB slots the numbered blocks cycle through (default 64)
#
# Protocol with the host:
#   "VT-READY chaos"   the file system is made and mounted; writing starts
#   "VT-ACK <n>"       write n (to slot n % slots) returned: dd with O_DIRECT and fsync
# The host kills and restarts the back end while the writes go on; when it is done it writes
# "VT-STOP" at the start of the stop block (the 4 KiB after the slots, read by the guest before
# every write). The guest then checks the files, unmounts, runs e2fsck and reads every slot back.
. /scripts/_lib.sh

raw=${VT_RAW:-/dev/vda}
fs=${VT_FS:-/dev/vdb}
slots=${VT_SLOTS:-64}
block=65536

wait_for_block "$raw" 30 || fail "disk" "no $raw"
# One 64 KiB body for every block; the header (16 bytes) says which write it is.
dd if=/dev/urandom of=/tmp/body bs=$((block - 4096)) count=1 2>/dev/null
cat /tmp/body /tmp/body /tmp/body /tmp/body > /tmp/body4
info "body md5 $(md5_file /tmp/body)"

if [ "$fs" != none ]; then
  wait_for_block "$fs" 30 || fail "disk" "no $fs"
  err=$($MKE2FS -q -F -t ext4 "$fs" 2>&1) || fail "mkfs" "$err"
  mkdir -p /mnt/fs
  err=$(mount -t ext4 "$fs" /mnt/fs 2>&1) || fail "mount" "$err"
  # Files written in the background the whole time, each checked when written and again at the end.
  (
    f=0
    while [ ! -e /tmp/stop ]; do
      dd if=/tmp/body4 of=/mnt/fs/f$((f % 40)) bs=61440 count=$((1 + f % 4)) conv=fsync 2>/dev/null \
        || { echo "VT-FAIL file write: f$f"; touch /tmp/fs-failed; break; }
      echo $((f % 40)) $((1 + f % 4)) >> /tmp/files
      f=$((f + 1))
    done
  ) &
  writer=$!
fi

echo "VT-READY chaos"
stop_block=$((slots * block / 4096))
i=1
while [ "$(dd if="$raw" bs=4096 skip=$stop_block count=1 iflag=direct 2>/dev/null | head -c 7)" != VT-STOP ]; do
  slot=$((i % slots))
  { printf 'VT-BLOCK %07d' "$i"; dd if=/dev/zero bs=4080 count=1 2>/dev/null; cat /tmp/body; } > /tmp/block
  err=$(dd if=/tmp/block of="$raw" bs=$block count=1 seek="$slot" oflag=direct conv=fsync 2>&1) \
    || fail "write $i" "$err"
  echo "VT-ACK $i"
  i=$((i + 1))
done
writes=$((i - 1))
info "stop seen after $writes writes"

if [ "$fs" != none ]; then
  touch /tmp/stop
  wait "$writer"
  [ ! -e /tmp/fs-failed ] || fail "file system" "a file write failed"
  sync
  # Every file's content: n copies of the body.
  n=0
  for name in $(cut -d' ' -f1 /tmp/files | sort -u); do
    count=$(grep "^$name " /tmp/files | tail -n 1 | cut -d' ' -f2)
    want=$(for k in $(seq 1 "$count"); do cat /tmp/body; done | md5sum | cut -d' ' -f1)
    got=$(md5_file "/mnt/fs/f$name")
    [ "$got" = "$want" ] || fail "file f$name" "md5 $got, expected $want"
    n=$((n + 1))
  done
  umount /mnt/fs || fail "umount" "busy"
  out=$($E2FSCK -fn "$fs" 2>&1) || fail "e2fsck" "$out"
  ok "$(wc -l < /tmp/files) file writes, $n files intact, e2fsck clean"
fi

drop_caches
bad=0
s=0
while [ $s -lt "$slots" ]; do
  # The last write to slot s.
  last=$(( writes - ((writes - s) % slots + slots) % slots ))
  [ $last -ge 1 ] || { s=$((s + 1)); continue; }
  head=$(dd if="$raw" bs=$block skip="$s" count=1 iflag=direct 2>/dev/null | head -c 16)
  want=$(printf 'VT-BLOCK %07d' "$last")
  [ "$head" = "$want" ] || { info "slot $s holds '$head', expected '$want'"; bad=$((bad + 1)); }
  body=$(dd if="$raw" bs=$block skip="$s" count=1 iflag=direct 2>/dev/null | tail -c $((block - 4096)) | md5sum | cut -d' ' -f1)
  [ "$body" = "$(md5_file /tmp/body)" ] || { info "slot $s body differs"; bad=$((bad + 1)); }
  s=$((s + 1))
done
[ $bad -eq 0 ] || fail "numbered blocks" "$bad slots wrong"
if dmesg | grep -qi "I/O error\|blk_update_request\|Buffer I/O"; then
  fail "kernel log" "$(dmesg | grep -i 'I/O error\|blk_update_request\|Buffer I/O' | head -n 3)"
fi
ok "$writes numbered writes read back, no I/O error in the kernel log"
exit 0
