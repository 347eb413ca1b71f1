#!/bin/sh
# Live migration on one of our switches (virtio-net): guest "move" migrates to a new QEMU on
# another port of the same switch while guest "stay" pings it and sends it a file. The file lands
# in the moving guest's receive buffers, which our back end writes and the guest's CPU does not, so
# only the dirty log carries the pages that arrive during the migration.
#
# Kernel parameters:
#   vt.ip / vt.peer   this guest's and the other guest's IPv4 address (a /24)
#   vt.role           stay: ping the peer all along, one ping at a time ("VT-INFO ping N ok" or
#                     "... lost", N counting up from 1), and send it a file of vt.mib MiB over TCP
#                     in 64 KiB chunks, paced; say "VT-READY migrate" after the first quarter; the
#                     last chunk waits until the host said "migrated" on the host channel (ttyS1)
#                     and three pings sent after that were answered, so the connection spans the
#                     migration however long it takes
#                     move: receive the file and report its md5
#   vt.mib            size of the file (default 8)
. /scripts/_lib.sh

dev=eth0
wait_for_net $dev
if [ "$VT_ROLE" = move ]; then
  # Listening before the address exists: once we answer pings, the sender finds the port open.
  # busybox nc half-closes when its stdin ends: keep stdin open, so it ends when the sender closes.
  sleep 600 | nc -l -p 5000 > /tmp/f &
fi
# The moved guest must send nothing of its own accord, so that only the announcement QEMU asks our
# back end for after the migration (SEND_RARP) can teach our switch its new port: no IPv6 (router
# solicitations and reports on timers of their own), and each guest's ARP entry for the other
# pinned (no probes, and no broadcast asking for the peer, whose answer would come from its new port).
[ ! -e /proc/sys/net/ipv6/conf/$dev/disable_ipv6 ] || echo 1 > /proc/sys/net/ipv6/conf/$dev/disable_ipv6
net_up $dev "$VT_IP"
wait_for_peer "$VT_PEER"
mac=$(awk -v p="$VT_PEER" '$1 == p { print $4 }' /proc/net/arp)
arp -i $dev -s "$VT_PEER" "$mac" || fail "arp" "could not pin $VT_PEER at '$mac'"
ok "ping $VT_PEER, its MAC $mac pinned"

if [ "$VT_ROLE" = move ]; then
  receive_done /tmp/f receive 600
  ok "received $(wc -c < /tmp/f) bytes md5 $(md5_file /tmp/f)"
  exit 0
fi

listen_host
: > /tmp/ping-ok
# Our own numbering: busybox ping's lines would sit in a pipe's buffer.
ping_loop() {
  seq=0
  while [ ! -e /tmp/ping-stop ]; do
    seq=$((seq + 1))
    echo $seq > /tmp/ping-seq
    if ping -c 1 -W 1 "$VT_PEER" > /dev/null 2>&1; then
      echo $seq >> /tmp/ping-ok
      info "ping $seq ok"
    else
      info "ping $seq lost"
    fi
    usleep 250000
  done
}
ping_loop &
pinger=$!

# after_migration: waits for the host's "migrated", then for three answered pings sent after it
after_migration() {
  n=6000
  until host_said migrated; do
    n=$((n - 1)); [ $n -gt 0 ] || fail "migration" "the host did not say \"migrated\" within 600 s"
    usleep 100000
  done
  from=$(cat /tmp/ping-seq)
  info "the host says the migration is over (ping $from was under way)"
  end=$(($(date +%s) + 60))
  until [ "$(awk -v f="$from" '$1 > f' /tmp/ping-ok | wc -l)" -ge 3 ]; do
    [ "$(date +%s)" -lt $end ] || fail "ping after migration" "pings after $from: $(awk -v f="$from" '$1 > f' /tmp/ping-ok | wc -l) answered in 60 s"
    usleep 200000
  done
}

mib=${VT_MIB:-8}
chunks=$((mib * 16))
dd if=/dev/urandom of=/tmp/f bs=65536 count=$chunks 2>/dev/null
sum=$(md5_file /tmp/f)
# send: the file on stdout, paced, chunk by chunk; the last one waits for /tmp/release
send() {
  i=0
  while [ $i -lt $chunks ]; do
    [ $i -lt $((chunks - 1)) ] || until [ -e /tmp/release ]; do usleep 100000; done
    dd if=/tmp/f bs=65536 skip=$i count=1 2>/dev/null || exit 1
    i=$((i + 1))
    [ $i != $((chunks / 4)) ] || echo "VT-READY migrate" >&3
    usleep 100000
  done
  touch /tmp/sent
}
exec 3>&1
(send | nc "$VT_PEER" 5000; echo $? > /tmp/nc-rc) &
# Here, not in the sender: a connection that stalls (nothing reaches the peer) blocks the sender.
after_migration
touch /tmp/release
n=1200
until [ -e /tmp/nc-rc ]; do
  n=$((n - 1)); [ $n -gt 0 ] || fail "send" "the file was not sent within 120 s of the migration"
  usleep 100000
done
[ "$(cat /tmp/nc-rc)" = 0 ] || fail "send" "nc to $VT_PEER:5000 failed"
[ -e /tmp/sent ] || fail "send" "the file was not sent whole"
ok "sent $mib MiB md5 $sum"
touch /tmp/ping-stop
wait $pinger
ok "pings: $(cat /tmp/ping-seq) sent, $(wc -l < /tmp/ping-ok) answered"
exit 0
