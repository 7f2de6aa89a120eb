# expect: a md5 checksum has 32 hex digits, not 3
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  iso_checksum = "md5:abc"
}
build { sources = ["source.centos-libvirt.x"] }
