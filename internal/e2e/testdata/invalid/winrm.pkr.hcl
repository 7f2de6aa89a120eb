# expect: communicator "winrm" is not supported
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  communicator = "winrm"
  winrm_username = "x"
}
build { sources = ["source.centos-libvirt.x"] }
