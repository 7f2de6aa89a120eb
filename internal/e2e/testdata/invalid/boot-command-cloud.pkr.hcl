# expect: boot_command is only typed when installing from an ISO
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  boot_command = ["<enter>"]
}
build { sources = ["source.centos-libvirt.x"] }
