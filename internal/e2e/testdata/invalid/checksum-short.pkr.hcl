# expect: a sha256 checksum has 64 hex digits, not 4
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  ssh_username          = "root"
  source_image_checksum = "sha256:abcd"
}
build { sources = ["source.centos-libvirt.x"] }
