# expect: transport "spice" is not one of ssh
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  libvirt_uri = "qemu+spice://hv1/system"
}
build { sources = ["source.centos-libvirt.x"] }
