# expect: disk_compression "lz4" is not one of zstd, zlib, none
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  disk_compression = "lz4"
}
build { sources = ["source.centos-libvirt.x"] }
