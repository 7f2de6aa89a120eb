# expect: source_image_url and source_image_checksum are for cloud images
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  source_image_url = "https://x/y.qcow2"
}
build { sources = ["source.centos-libvirt.x"] }
