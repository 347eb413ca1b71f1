#!/bin/sh
# A guest that keeps its CPU writing memory and starting processes, and nothing else: what
# tcg-migration-check.sh migrates with no device of ours, to see what QEMU's own migration does.
# Says "VT-INFO tick N" every 25 rounds; runs until it is killed.
. /scripts/_lib.sh
i=0
while true; do
  i=$((i + 1))
  usleep 20000
  dd if=/dev/urandom of=/tmp/x bs=65536 count=8 2>/dev/null
  md5sum /tmp/x > /dev/null
  ls /proc > /dev/null
  [ $((i % 25)) != 0 ] || info "tick $i"
done
