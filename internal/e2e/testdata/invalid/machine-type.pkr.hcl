# expect: machine_type "PC Q35"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  machine_type = "PC Q35"
}
build { sources = ["source.centos-libvirt.x"] }
