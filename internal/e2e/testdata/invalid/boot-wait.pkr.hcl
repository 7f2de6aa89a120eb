# expect: boot_wait must not be negative
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  boot_wait = "-5s"
}
build { sources = ["source.centos-libvirt.x"] }
