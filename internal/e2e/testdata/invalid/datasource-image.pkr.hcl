# expect: arch "aarch64", firmware "bios": CentOS Stream 9 publishes no bios GenericCloud image for aarch64 (available: efi)
data "centos-image" "x" {
  version  = "stream9"
  arch     = "aarch64"
  firmware = "bios"
  compose  = "9-latest"
}
source "centos-libvirt" "x" {
  source_image_url      = data.centos-image.x.url
  source_image_checksum = data.centos-image.x.checksum
  ssh_username          = "root"
}
build { sources = ["source.centos-libvirt.x"] }
