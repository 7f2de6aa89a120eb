# expect: unknown built-in check "cloudinit"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
}
build {
  sources = ["source.centos-libvirt.x"]
  post-processor "centos-verify" {
    disable_checks = ["cloudinit"]
  }
}
