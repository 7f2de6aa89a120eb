# expect: parallel must be 1 to 16, got 40
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
}
build {
  sources = ["source.centos-libvirt.x"]
  post-processor "centos-verify" {
    parallel = 40
  }
}
