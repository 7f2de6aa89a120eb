# expect: names no file
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  ssh_username          = "root"
  source_image_checksum = "file:"
}
build { sources = ["source.centos-libvirt.x"] }
