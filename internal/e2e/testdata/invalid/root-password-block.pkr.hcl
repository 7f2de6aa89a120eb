# expect: root_password is for kickstart_file
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  root_password = "x"
  kickstart {}
}
build { sources = ["source.centos-libvirt.x"] }
