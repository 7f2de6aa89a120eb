# expect: cpu_model "host passthrough"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  cpu_model = "host passthrough"
}
build { sources = ["source.centos-libvirt.x"] }
