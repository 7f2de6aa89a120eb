# expect: user-data starts with "packages: [nginx]"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  user_data = "packages: [nginx]"
}
build { sources = ["source.centos-libvirt.x"] }
