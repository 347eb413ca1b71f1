# Sourced by bin/test: makes sure the real clients the tests drive are here (QEMU with a guest
# kernel and busybox, qemu-storage-daemon, DPDK's testpmd with hugepages, ip/tcpdump for the tap
# test, chromium and chromedriver for the web console's browser test), installing what is missing
# when we are root, else naming the exact commands and stopping.
real_client_packages=(qemu-system-x86 qemu-system-common qemu-utils linux-image-amd64 busybox-static cpio
  e2fsprogs dpdk-dev iproute2 tcpdump chromium chromium-driver)
real_clients_missing() {
  local p
  for p in "${real_client_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
real_clients_hugepages_ok() {
  [ "$(cat /proc/sys/vm/nr_hugepages)" -ge 1024 ] && grep -q hugetlbfs /proc/mounts
}
real_clients_setup() {
  local missing
  missing=($(real_clients_missing))
  if [ "$(id -u)" = 0 ]; then
    if [ ${#missing[@]} -gt 0 ]; then
      echo "bin/test: installing ${missing[*]}" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q
      apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    # DPDK's testpmd needs hugepages (2 MiB pages, hugetlbfs mounted).
    if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 1024 ]; then
      echo 1024 > /proc/sys/vm/nr_hugepages
    fi
    if ! grep -q hugetlbfs /proc/mounts; then
      mkdir -p /dev/hugepages
      mount -t hugetlbfs nodev /dev/hugepages
    fi
    return 0
  fi
  if [ ${#missing[@]} -eq 0 ] && real_clients_hugepages_ok; then
    return 0
  fi
  echo "bin/test: the real-client tests (QEMU guests, DPDK's testpmd, the console in chromium) need set-up that only root can do:" >&2
  [ ${#missing[@]} -eq 0 ] || echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  real_clients_hugepages_ok || echo "  echo 1024 | sudo tee /proc/sys/vm/nr_hugepages; sudo mkdir -p /dev/hugepages; grep -q hugetlbfs /proc/mounts || sudo mount -t hugetlbfs nodev /dev/hugepages" >&2
  echo "Run bin/test as root to have it done, or bin/test --no-real-clients to skip those tests." >&2
  return 1
}
