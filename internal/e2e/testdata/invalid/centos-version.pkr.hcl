# expect: centos_version "9" is not one of 7, stream8, stream9, stream10
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  centos_version = "9"
}
build { sources = ["source.centos-libvirt.x"] }
