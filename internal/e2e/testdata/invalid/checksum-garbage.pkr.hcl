# expect: is not a checksum
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  ssh_username          = "root"
  source_image_checksum = "xyz"
}
build { sources = ["source.centos-libvirt.x"] }
