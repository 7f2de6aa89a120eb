# expect: allow_root_ssh
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  kickstart {
    allow_root_ssh = true
  }
}
build { sources = ["source.centos-libvirt.x"] }
