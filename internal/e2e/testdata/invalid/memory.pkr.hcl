# expect: memory is in MiB and must be at least 256
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  memory = 64
}
build { sources = ["source.centos-libvirt.x"] }
