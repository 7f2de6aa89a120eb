# expect: centos_version "stream9": centos_compose "latest" is not a compose id such as "20250812.0" (Stream) or "2211" (CentOS 7)
source "centos-libvirt" "x" {
  centos_version = "stream9"
  centos_compose = "latest"
}
build { sources = ["source.centos-libvirt.x"] }
