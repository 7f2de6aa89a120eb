# expect: format "vmdk" is not one of qcow2, raw
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  format = "vmdk"
}
build { sources = ["source.centos-libvirt.x"] }
