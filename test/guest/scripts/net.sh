#!/bin/sh
# virtio-net check between two guests on one switch: addresses, ping both ways, and a file sent
# with nc arriving with the same md5.
#
# Kernel parameters:
#   vt.ip / vt.peer   this guest's and the other guest's IPv4 address (a /24)
#   vt.role           send: make a file of vt.mib MiB and send it; recv: receive it;
#                     host: the peer is the host (a tap): say "VT-READY host-ping" and wait until
#                     the host has pinged us three times; with vt.mib, then receive a file from
#                     the host (port 5001) and send one to it (port 5002)
#                     ping: only ping the peer (an application on an app port) and end
#   vt.mtu            the MTU to expect on eth0 (from the device's config space) and to use
#   vt.mib            size of the file (default 4)
#   vt.queues         queue pairs eth0 must use (the guest has as many CPUs); transmit queue k
#                     is made CPU k's (XPS) and the file is sent from the last CPU, so it leaves
#                     on the last transmit queue (what the kernel sends from softirq on
#                     another CPU leaves on that CPU's queue)
. /scripts/_lib.sh

dev=eth0

# send_file PORT WHAT [COMMAND PREFIX]: makes /tmp/f of vt.mib MiB and sends it to the peer's
# PORT, retrying while the peer is not listening yet; sets $sum to its md5.
send_file() {
  port=$1; what=$2; shift 2
  dd if=/dev/urandom of=/tmp/f bs=1M count="${VT_MIB:-4}" 2>/dev/null
  sum=$(md5_file /tmp/f)
  n=60
  until "$@" nc -w 5 "$VT_PEER" "$port" < /tmp/f; do
    n=$((n - 1)); [ $n -gt 0 ] || fail "$what" "could not send to $VT_PEER:$port"
    sleep 1
  done
}
wait_for_net $dev
mtu=$(cat /sys/class/net/$dev/mtu)
[ -z "$VT_MTU" ] || [ "$mtu" = "$VT_MTU" ] || fail "mtu" "$dev has mtu $mtu, expected $VT_MTU from the device"
if [ -n "$VT_QUEUES" ]; then
  used=$(ls /sys/class/net/$dev/queues | grep -c '^tx-')
  [ "$used" = "$VT_QUEUES" ] || fail "queue pairs" "$dev uses $used transmit queues, expected $VT_QUEUES"
  k=0
  while [ $k -lt "$used" ]; do
    printf '%x' $((1 << k)) > /sys/class/net/$dev/queues/tx-$k/xps_cpus || fail "xps" "tx-$k"
    k=$((k + 1))
  done
  ok "$dev uses $used queue pairs"
fi
net_up $dev "$VT_IP"

if [ "$VT_ROLE" = recv ]; then
  # busybox nc half-closes when its stdin ends, and the sender's nc then quits: keep stdin open
  # so the receiver ends only when the sender has sent everything and closed.
  sleep 600 | nc -l -p 5000 > /tmp/f &
  ncpid=$!
fi

wait_for_peer "$VT_PEER"
out=$(ping -c 3 -s $((mtu - 28)) "$VT_PEER" 2>&1) || fail "ping $VT_PEER" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
ok "ping $VT_PEER with $((mtu - 28))-byte payloads: $(echo "$out" | grep -o '[0-9]* packets received')"
[ "$VT_ROLE" = ping ] && exit 0

if [ "$VT_ROLE" = host ]; then
  if [ -n "$VT_MIB" ]; then
    sleep 600 | nc -l -p 5001 > /tmp/h &
  fi
  echo "VT-READY host-ping"
  n=600
  while :; do
    echos=$(awk '/^Icmp:/ { n++; if (n == 2) print $10 }' /proc/net/snmp)
    [ "${echos:-0}" -ge 3 ] && break
    n=$((n - 1)); [ $n -gt 0 ] || fail "pinged by the host" "only ${echos:-0} echo requests in 60 s"
    usleep 100000
  done
  ok "answered $echos echo requests from the host"
  if [ -n "$VT_MIB" ]; then
    receive_done /tmp/h "from host"
    ok "from host $(wc -c < /tmp/h) bytes md5 $(md5_file /tmp/h)"
    send_file 5002 "to host"
    ok "to host $VT_MIB MiB md5 $sum"
  fi
  exit 0
fi

if [ "$VT_ROLE" = send ]; then
  if [ "${VT_QUEUES:-1}" -gt 1 ]; then
    send_file 5000 send taskset "$(printf '%x' $((1 << (VT_QUEUES - 1))))"
  else
    send_file 5000 send
  fi
  ok "sent ${VT_MIB:-4} MiB md5 $sum"
  # stay up until the receiver has the whole file (it answers ping until it powers off)
  sleep 3
else
  receive_done /tmp/f receive
  ok "received $(wc -c < /tmp/f) bytes md5 $(md5_file /tmp/f)"
fi
exit 0
