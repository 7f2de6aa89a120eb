# expect: boot_mode "pxe" is not one of menu, kernel
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  boot_mode = "pxe"
}
build { sources = ["source.centos-libvirt.x"] }
