# expect: http_bind_address "virbr0" is not an IP address
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  http_bind_address = "virbr0"
}
build { sources = ["source.centos-libvirt.x"] }
