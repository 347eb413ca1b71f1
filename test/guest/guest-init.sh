#!/bin/sh
# /init of the vhost-vertx guest test initramfs (see build-initramfs.sh).
#
# 1. mounts proc, sys, devtmpfs and a tmpfs on /tmp
# 2. exports every kernel parameter "vt.<name>=<value>" as the shell variable
#    VT_<NAME> (upper case, '.' and '-' become '_'; a bare "vt.<name>" is 1)
# 3. loads the modules listed in /etc/vt-modules
# 4. runs /scripts/$VT_SCRIPT.sh (kernel parameter vt.script=NAME)
# 5. prints "VT-DONE rc=<exit code of the script>" and powers off
#
# Lines printed by the framework start with "VT-"; on a failing script the
# tail of the kernel log is printed between "VT-DMESG begin" / "VT-DMESG end".
# vt.shell=1 starts an interactive shell on the console instead of powering
# off (for debugging by hand).
export PATH=/sbin:/bin
export HOME=/tmp
umask 022

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
exec </dev/console >/dev/console 2>&1

set -f
for w in $(cat /proc/cmdline); do
  case "$w" in
    vt.*=*) k=${w%%=*}; v=${w#*=} ;;
    vt.*)   k=$w; v=1 ;;
    *)      continue ;;
  esac
  k=$(echo "${k#vt.}" | tr 'a-z.-' 'A-Z__')
  case "$k" in
    ''|*[!A-Z0-9_]*) echo "VT-WARN ignoring kernel parameter '$w'"; continue ;;
  esac
  export "VT_$k=$v"
done
set +f

if [ -n "$VT_LOGLEVEL" ]; then
  echo "$VT_LOGLEVEL" > /proc/sys/kernel/printk
fi

while read -r name optional path; do
  if ! msg=$(insmod "$path" 2>&1); then
    [ "$optional" = 1 ] || echo "VT-WARN insmod $name failed: $msg"
  fi
done < /etc/vt-modules

script=$VT_SCRIPT
if [ -z "$script" ]; then
  echo "VT-FAIL init: no vt.script= on the kernel command line"
  rc=2
elif [ ! -f "/scripts/$script.sh" ]; then
  echo "VT-FAIL init: no script /scripts/$script.sh"
  rc=2
else
  echo "VT-START script=$script kernel=$(uname -r)"
  (cd /tmp && exec sh "/scripts/$script.sh")
  rc=$?
fi

if [ "$rc" -ne 0 ]; then
  echo "VT-DMESG begin"
  dmesg | tail -n 80
  echo "VT-DMESG end"
fi
sync
echo "VT-DONE rc=$rc"

if [ "$VT_SHELL" = 1 ]; then
  setsid cttyhack sh
fi

# Wait until the UART has sent everything: changing a terminal setting makes
# busybox stty call tcsetattr(TCSADRAIN).  The short sleep is a safety net.
stty -F /dev/console -ixoff 2>/dev/null
usleep 100000
poweroff -f
# not reached; if poweroff failed, make the kernel panic (panic=-1 reboots and
# QEMU -no-reboot then exits)
exit "$rc"
