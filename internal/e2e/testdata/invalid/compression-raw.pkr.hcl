# expect: needs format = "qcow2"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  format = "raw"
  disk_compression = "zstd"
}
build { sources = ["source.centos-libvirt.x"] }
