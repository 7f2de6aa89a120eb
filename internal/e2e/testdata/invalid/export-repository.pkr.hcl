# expect: export #2 (containerdisk): repository "Registry.Example.com/My Image" is not a valid image reference
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  export { format = "qcow2" }
  export {
    format     = "containerdisk"
    repository = "Registry.Example.com/My Image"
  }
}
build { sources = ["source.centos-libvirt.x"] }
