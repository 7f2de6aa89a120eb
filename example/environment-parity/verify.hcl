# What every environment gets: checked on the qcow2, proven identical in
# the other outputs.
check "file" "/etc/baked-by-packer" {
  exists   = true
  contains = ["baked"]
}
check "service" "sshd" {
  enabled = true
  running = true
  retry   = true
}
check "package" "cloud-init" { installed = true }
