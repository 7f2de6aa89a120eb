# expect: domain_type "xen" is not one of auto, kvm, qemu
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  domain_type = "xen"
}
build { sources = ["source.centos-libvirt.x"] }
