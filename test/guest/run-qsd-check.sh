#!/bin/bash
# Self-test of the guest kit against a vhost-user-blk back end that is not
# ours: qemu-storage-daemon (QSD) exports a sparse raw image, a QEMU guest
# (TCG, SeaBIOS, -kernel/-initrd) runs the blk / blk-ro scripts against it,
# and the host then inspects the image.
#
# Usage: run-qsd-check.sh [CASE...]
#   cases: q1      num-queues=1, split ring, scripts/blk.sh
#          q2      num-queues=2, split ring, -smp 2, scripts/blk.sh
#          packed  num-queues=1, packed=on,  scripts/blk.sh.  QSD (libvhost-user)
#                  does not offer VIRTIO_F_RING_PACKED, so QEMU silently
#                  falls back to the split ring; the guest checks exactly
#                  that (vt.packed=0)
#          ro      num-queues=1, writable=off, scripts/blk-ro.sh
#          builtin-packed
#                  no vhost-user: QEMU's own virtio-blk-pci with packed=on on
#                  the same kind of image, guest requires the packed ring
#                  (vt.packed=1); proves the kit's packed-ring check
#   default: q1 q2 packed ro builtin-packed
#
# Environment:
#   VT_WORKDIR   work directory (default: a new temporary directory, removed
#                on success)
#   VT_INITRD    use this initramfs instead of building one
#   VT_KVER      kernel version (default: as chosen by build-initramfs.sh)
#   VT_TIMEOUT   seconds per guest run (default 300)
#   VT_TRACE=1   add QEMU trace events for vhost_dev_start/stop and the
#                vhost-user messages to the guest log
#
# Needs (Debian): qemu-system-x86, qemu-utils (qemu-storage-daemon),
# e2fsprogs, plus what build-initramfs.sh needs.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
size=$((1024 * 1024 * 1024))
mark=VHOST-VERTX-GUEST-MARK
timeout_s=${VT_TIMEOUT:-300}
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(q1 q2 packed ro builtin-packed)

keep_work=1
if [ -z "${VT_WORKDIR:-}" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/vt-qsd.XXXXXX")
  keep_work=0
else
  work=$VT_WORKDIR
  mkdir -p "$work"
fi

if [ -n "${VT_INITRD:-}" ]; then
  initrd=$VT_INITRD
  kver=${VT_KVER:-$(basename "$(ls /boot/vmlinuz-* | sort -V | tail -n 1)" | sed 's/^vmlinuz-//')}
else
  initrd=$work/initramfs.cpio.gz
  out=$("$here/build-initramfs.sh" "$initrd" ${VT_KVER:-}) || { echo "$out"; exit 1; }
  kver=$(echo "$out" | sed -n 's/^kver=//p')
fi
kernel=/boot/vmlinuz-$kver
echo "kernel: $kernel"
echo "initrd: $initrd"
echo "work:   $work"

qsd_pid=
cleanup_qsd() {
  if [ -n "$qsd_pid" ]; then
    kill "$qsd_pid" 2>/dev/null
    wait "$qsd_pid" 2>/dev/null
    qsd_pid=
  fi
}
trap cleanup_qsd EXIT

# run_case NAME NUM_QUEUES DEVICE_EXTRA WRITABLE SCRIPT SMP EXTRA_APPEND [builtin]
run_case() {
  local name=$1 nq=$2 devextra=$3 writable=$4 script=$5 smp=$6 xappend=$7 builtin=${8:-}
  local img=$work/$name.img sock=$work/$name.sock log=$work/$name.log
  local append md5 rc=0 t0 t1 secs n

  rm -f "$img" "$sock"
  truncate -s "$size" "$img"
  append="console=ttyS0 quiet panic=-1 vt.script=$script vt.size=$size"
  [ "$script" = blk ] && append="$append vt.queues=$(( nq < smp ? nq : smp ))"
  append="$append$xappend"
  if [ "$writable" = off ]; then
    # known content in the first MiB for the read check
    dd if=/dev/urandom of="$img" bs=1M count=1 conv=notrunc status=none
    md5=$(head -c 1048576 "$img" | md5sum | cut -d' ' -f1)
    append="$append vt.md5=$md5"
  fi

  local dev
  if [ -n "$builtin" ]; then
    dev=(-blockdev "driver=file,node-name=file0,filename=$img,cache.direct=off"
         -blockdev "driver=raw,node-name=disk0,file=file0"
         -device "virtio-blk-pci,drive=disk0,num-queues=$nq$devextra")
  else
    dev=(-chardev "socket,id=c0,path=$sock"
         -device "vhost-user-blk-pci,chardev=c0,num-queues=$nq$devextra")
  fi

  if [ -z "$builtin" ]; then
    qemu-storage-daemon \
      --blockdev "driver=file,node-name=file0,filename=$img" \
      --blockdev "driver=raw,node-name=disk0,file=file0" \
      --export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$sock,writable=$writable,num-queues=$nq" \
      > "$work/$name.qsd.log" 2>&1 &
    qsd_pid=$!
  fi
  n=0
  while [ -z "$builtin" ] && [ ! -S "$sock" ]; do
    n=$((n + 1))
    if [ $n -gt 100 ] || ! kill -0 "$qsd_pid" 2>/dev/null; then
      echo "[$name] qemu-storage-daemon did not create $sock:"; cat "$work/$name.qsd.log"
      cleanup_qsd
      return 1
    fi
    sleep 0.1
  done

  local qemu=(qemu-system-x86_64
    -nodefaults -no-user-config -accel tcg -smp "$smp" -display none -serial stdio -no-reboot
    -kernel "$kernel" -initrd "$initrd" -append "$append"
    -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem -m 256M
    "${dev[@]}")
  if [ "${VT_TRACE:-0}" = 1 ]; then
    qemu+=(-trace vhost_dev_start -trace vhost_dev_stop -trace vhost_user_write -trace vhost_user_read)
  fi
  echo "[$name] ${qemu[*]}"
  t0=$(date +%s.%N)
  timeout -k 5 "$timeout_s" "${qemu[@]}" < /dev/null > "$log" 2>&1
  local qrc=$?
  t1=$(date +%s.%N)
  secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
  cleanup_qsd

  grep -a 'VT-' "$log" | sed "s/^/[$name]   /"
  if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
    echo "[$name] FAIL: timeout after ${timeout_s}s (log: $log)"; return 1
  fi
  if ! grep -aq 'VT-DONE rc=0' "$log" || grep -aq 'VT-FAIL' "$log"; then
    echo "[$name] FAIL: guest did not finish with rc=0 (qemu exit $qrc, log: $log)"
    tail -n 20 "$log"; return 1
  fi

  # host-side checks on the image
  if [ "$writable" = on ]; then
    local got
    got=$(dd if="$img" bs=4096 skip=$((size / 4096 - 1)) count=1 status=none | head -c ${#mark})
    if [ "$got" != "$mark" ]; then
      echo "[$name] FAIL: marker not found at offset $((size - 4096)) of $img (got '$got')"; return 1
    fi
    echo "[$name] host: marker at offset $((size - 4096)) OK"
    if ! e2fsck -f -n "$img" > "$work/$name.fsck.log" 2>&1; then
      echo "[$name] FAIL: host e2fsck -f -n $img:"; cat "$work/$name.fsck.log"; return 1
    fi
    echo "[$name] host: e2fsck -f -n clean"
  else
    if [ "$(head -c 1048576 "$img" | md5sum | cut -d' ' -f1)" != "$md5" ]; then
      echo "[$name] FAIL: read-only image changed"; return 1
    fi
    echo "[$name] host: image unchanged"
  fi
  echo "[$name] PASS in ${secs}s (qemu start to exit)"
  rm -f "$img"
  return 0
}

fails=0
for c in "${cases[@]}"; do
  case "$c" in
    q1)     run_case q1 1 "" on blk 1 " vt.packed=0" ;;
    q2)     run_case q2 2 "" on blk 2 " vt.packed=0" ;;
    packed) run_case packed 1 ",packed=on" on blk 1 " vt.packed=0" ;;
    ro)     run_case ro 1 "" off blk-ro 1 "" ;;
    builtin-packed) run_case builtin-packed 1 ",packed=on" on blk 1 " vt.packed=1" builtin ;;
    *)      echo "unknown case $c"; false ;;
  esac || fails=$((fails + 1))
done

if [ $fails -eq 0 ]; then
  echo "ALL PASSED (${cases[*]})"
  [ $keep_work = 1 ] || rm -rf "$work"
  exit 0
fi
echo "$fails case(s) FAILED; logs in $work"
exit 1
