# expect: source_type "pxe" is not one of cloud_image, iso
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  source_type = "pxe"
}
build { sources = ["source.centos-libvirt.x"] }
