# expect: export #1 and export #2 both write x.qcow2: give one of them a file_name
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  export { format = "qcow2" }
  export {
    format      = "qcow2"
    compression = "zlib"
  }
}
build { sources = ["source.centos-libvirt.x"] }
