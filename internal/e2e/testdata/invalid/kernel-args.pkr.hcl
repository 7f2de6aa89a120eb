# expect: kernel_args needs boot_mode = "kernel"
source "centos-libvirt" "x" {
  centos_version = "stream9"
  source_type    = "iso"
  kernel_args = "quiet"
}
build { sources = ["source.centos-libvirt.x"] }
