# expect: hostname "-bad-"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  hostname = "-bad-"
}
build { sources = ["source.centos-libvirt.x"] }
