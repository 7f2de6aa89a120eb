# expect: unknown checksum type "crc32"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  ssh_username          = "root"
  source_image_checksum = "crc32:abcd1234"
}
build { sources = ["source.centos-libvirt.x"] }
