# expect: user_data and user_data_file are both set
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  user_data = "#cloud-config\n"
  user_data_file = "/etc/hostname"
}
build { sources = ["source.centos-libvirt.x"] }
