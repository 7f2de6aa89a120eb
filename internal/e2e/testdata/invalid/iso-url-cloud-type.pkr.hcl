# expect: iso_url is set but source_type is "cloud_image"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  iso_url = "/etc/hostname"
  source_type = "cloud_image"
}
build { sources = ["source.centos-libvirt.x"] }
