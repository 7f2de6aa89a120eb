# expect: firmware "uefi" is not one of bios, efi
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  firmware = "uefi"
}
build { sources = ["source.centos-libvirt.x"] }
