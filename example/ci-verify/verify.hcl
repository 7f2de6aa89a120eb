# What every image we deploy must have, whoever built it.
check "package" "openssh-server" { installed = true }
check "service" "sshd" {
  enabled = true
  running = true
  retry   = true
}
check "selinux" "mode" { mode = "enforcing" }
