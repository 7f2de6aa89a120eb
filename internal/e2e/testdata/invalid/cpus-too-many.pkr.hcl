# expect: cpus must be between 1 and 256
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  cpus = 1000
}
build { sources = ["source.centos-libvirt.x"] }
