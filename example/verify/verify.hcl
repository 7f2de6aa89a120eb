# A verify spec for a CentOS Stream 9 web server image (HCL). The same
# checks in JSON are in verify.json; the schema is in
# docs/post-processors/verify.mdx.
settings {
  parallel         = 4
  timeout          = "30s"
  max_boot_seconds = 180
}

image {
  format = "qcow2"
}

check "package" "openssh-server" { installed = true }
check "package" "nginx" {
  installed = true
  version   = ">= 1.20"
}
check "service" "sshd" {
  enabled = true
  running = true
}
check "service" "nginx" {
  enabled = true
  running = true
  retry   = true
  timeout = "60s"
}
check "port" "http" {
  port      = 80
  listening = true
}
check "http" "welcome" {
  url           = "http://127.0.0.1/"
  status        = 200
  body_contains = ["nginx"]
}
check "file" "/etc/baked-by-packer" {
  exists = true
  mode   = "0644"
  owner  = "root"
}
check "selinux" "mode" { mode = "enforcing" }
check "firewall" "http" {
  service = "http"
  allowed = true
}
check "kernel_param" "net.ipv4.ip_forward" { value = "0" }
check "command" "os-release" {
  run             = "cat /etc/os-release"
  stdout_contains = ["CentOS Stream"]
}
