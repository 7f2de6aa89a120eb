# expect: builder
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  ssh_username = "builder"
}
build { sources = ["source.centos-libvirt.x"] }
