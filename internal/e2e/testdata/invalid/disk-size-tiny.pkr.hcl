# expect: is smaller than 64 MiB
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  disk_size = "10"
}
build { sources = ["source.centos-libvirt.x"] }
