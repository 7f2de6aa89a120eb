# expect: kickstart_delivery "floppy" is not one of http, cdrom
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  kickstart_delivery = "floppy"
}
build { sources = ["source.centos-libvirt.x"] }
