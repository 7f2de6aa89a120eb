# expect: vm_name "a/b"
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  vm_name = "a/b"
}
build { sources = ["source.centos-libvirt.x"] }
