# The demo's spec: what the baked stand-in guest must show on a fresh
# boot. The stand-in is Debian, so packages are dpkg's and there is no
# SELinux; a CentOS spec looks like example/verify/verify.hcl.
check "package" "openssh-server" { installed = true }
check "service" "ssh" {
  enabled = true
  running = true
  retry   = true
}
check "port" "ssh" {
  port      = 22
  listening = true
}
check "file" "/etc/baked-by-packer" {
  exists   = true
  mode     = "0644"
  owner    = "root"
  contains = ["baked"]
}
# The build logged in as cloud-user, an account its cloud-init seed made
# (the stand-in's default user is debian, where CentOS Stream 9's is
# cloud-user): generalize removed it, and the default user is there.
check "user" "cloud-user" { exists = false }
check "user" "debian" { exists = true }
check "mount" "/" { fstype = "ext4" }
check "kernel_param" "kernel.hostname" { value = "packer-verify" }
check "selinux" "mode" { mode = "disabled" }
check "command" "kernel" {
  run    = "uname -s"
  stdout = "Linux"
}
