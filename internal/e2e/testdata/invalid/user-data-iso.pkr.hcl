# expect: user_data and user_data_file go into the cloud-init seed
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  user_data = "#cloud-config\n"
}
build { sources = ["source.centos-libvirt.x"] }
