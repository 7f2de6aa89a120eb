# expect: boot_command is not typed with boot_mode = "kernel"
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  boot_mode = "kernel"
  boot_command = ["<enter>"]
}
build { sources = ["source.centos-libvirt.x"] }
