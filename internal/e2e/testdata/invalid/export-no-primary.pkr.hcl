# expect: export: no qcow2 or raw output to be the primary, the disk centos-verify boots and proves every other output holds; add export { format = "qcow2" }
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  export { format = "vmdk" }
  export { format = "vhd" }
}
build { sources = ["source.centos-libvirt.x"] }
