# expect: cloud_init = false needs ssh_password
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
}
build {
  sources = ["source.centos-libvirt.x"]
  post-processor "centos-verify" {
    cloud_init = false
  }
}
