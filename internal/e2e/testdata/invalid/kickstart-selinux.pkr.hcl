# expect: selinux
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  kickstart {
    selinux = "sometimes"
  }
}
build { sources = ["source.centos-libvirt.x"] }
