# expect: shutdown_timeout must be positive
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  shutdown_timeout = "-1m"
}
build { sources = ["source.centos-libvirt.x"] }
