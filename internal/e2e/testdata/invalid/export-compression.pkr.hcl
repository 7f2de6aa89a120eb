# expect: export #2 (vmdk): compression "zstd": vmdk outputs take no compression setting (only qcow2 and containerdisk do); remove it
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  export { format = "qcow2" }
  export {
    format      = "vmdk"
    compression = "zstd"
  }
}
build { sources = ["source.centos-libvirt.x"] }
