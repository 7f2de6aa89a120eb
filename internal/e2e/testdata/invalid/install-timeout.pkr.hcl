# expect: install_timeout must be positive
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  install_timeout = "-1m"
}
build { sources = ["source.centos-libvirt.x"] }
