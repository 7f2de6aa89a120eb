# expect: kickstart_file: stat /nonexistent/ks.cfg
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  kickstart_file = "/nonexistent/ks.cfg"
}
build { sources = ["source.centos-libvirt.x"] }
