# expect: driver "xen" is not supported
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  libvirt_uri = "xen:///system"
}
build { sources = ["source.centos-libvirt.x"] }
