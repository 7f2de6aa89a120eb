# expect: export #2 (vdi): format "vdi" is not one of qcow2, raw, vmdk, vhd, vhdx, gce, ova, containerdisk
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  export { format = "qcow2" }
  export { format = "vdi" }
}
build { sources = ["source.centos-libvirt.x"] }
