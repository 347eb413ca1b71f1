#!/bin/bash
# What QEMU's own live migration does to a guest under TCG, with no device of ours at all.
#
# Usage: test/guest/tcg-migration-check.sh [RUNS]   (default 10; needs qemu-system-x86, socat and
# what build-initramfs.sh needs)
#
# Each run boots the "busy" guest (scripts/busy.sh: the CPU writes memory and starts processes)
# with shared memfd memory, as our guest tests do, migrates it to a second QEMU the way
# MigrationGuestTest does (downtime-limit 1 ms for a while, so QEMU iterates, then 300 ms), and
# watches the destination for 6 s. It prints one line per run, then the count of destinations
# whose kernel reported corrupt memory and of those that printed nothing more (hung).
# MigrationGuestTest runs an attempt again when its destination's kernel reports corrupt memory
# (see TcgMigrationCorruption); this script is the evidence that QEMU alone does that.
set -euo pipefail
runs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/tcg-migration-check.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null || true' EXIT
bash "$here/build-initramfs.sh" "$work/initrd.gz" > /dev/null
kernel=/boot/vmlinuz-$(basename "$(ls -d /lib/modules/* | sort -V | tail -1)")
hmp() { echo "$1" | socat - "UNIX-CONNECT:$work/monitor.sock"; }
qemu() {
  exec qemu-system-x86_64 -nodefaults -no-user-config -accel tcg -smp 1 -m 256M \
    -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
    -display none -serial stdio -no-reboot -kernel "$kernel" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 panic=-1 quiet no_timer_check vt.script=busy" "$@"
}
corrupt=0
hung=0
for i in $(seq 1 "$runs"); do
  rm -f "$work/monitor.sock" "$work/migration.sock"
  (qemu -monitor "unix:$work/monitor.sock,server=on,wait=off") > "$work/source-$i.log" 2>&1 &
  source=$!
  (qemu -incoming "unix:$work/migration.sock") > "$work/destination-$i.log" 2>&1 &
  destination=$!
  until grep -q "tick 50" "$work/source-$i.log"; do sleep 0.5; done
  hmp "migrate_set_parameter downtime-limit 1" > /dev/null
  hmp "migrate -d unix:$work/migration.sock" > /dev/null
  sleep 1.5
  hmp "migrate_set_parameter downtime-limit 300" > /dev/null
  status=
  for _ in $(seq 1 120); do
    status=$(hmp "info migrate" | tr -d '\r' | grep -a "Migration status" || true)
    case "$status" in *completed*|*failed*) break ;; esac
    sleep 0.5
  done
  sleep 6
  kill -9 $source $destination 2>/dev/null || true
  wait $source $destination 2>/dev/null || true
  ticks=$(grep -a -c "tick" "$work/destination-$i.log" || true)
  reports=$(grep -a -c -E "list_(del|add) corruption|kernel BUG at|BUG: Bad|general protection fault|stack-protector|Oops:" \
    "$work/destination-$i.log" || true)
  verdict=healthy
  if [ "$reports" -gt 0 ]; then verdict="corrupt memory"; corrupt=$((corrupt + 1));
  elif [ "$ticks" -eq 0 ]; then verdict="hung"; hung=$((hung + 1)); fi
  echo "run $i: ${status#Migration status: }, destination $verdict ($ticks ticks, $reports kernel reports)"
done
echo "QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') TCG, no vhost-user device: of $runs migrations, $corrupt destinations reported corrupt memory, $hung hung; logs in $work"
