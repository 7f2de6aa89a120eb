# expect: is not a URI
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  libvirt_uri = "localhost"
}
build { sources = ["source.centos-libvirt.x"] }
