# expect: user_data_file: open /nonexistent/ud
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  user_data_file = "/nonexistent/ud"
}
build { sources = ["source.centos-libvirt.x"] }
