# expect: has unknown unit
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  disk_size = "20X"
}
build { sources = ["source.centos-libvirt.x"] }
