# expect: source_image_checksum is set without source_image_url: the centos_version preset pins the sha256 from CentOS's checksum file
source "centos-libvirt" "x" {
  centos_version        = "stream10"
  source_image_checksum = "sha256:{{SHA}}"
}
build { sources = ["source.centos-libvirt.x"] }
