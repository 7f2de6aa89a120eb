settings {
  parallel         = 8
  timeout          = "45s"
  max_boot_seconds = 120
  disable          = ["cloud_init", "no_avc_denials"]
}

image {
  format       = "qcow2"
  virtual_size = "20G"
}

check "package" "openssh-server" {
  installed = true
  version   = ">= 8.7, < 10"
}

check "package" "telnet-server" {
  installed = false
}

check "service" "sshd" {
  enabled = true
  running = true
  retry   = true
  timeout = "60s"
}

check "file" "/etc/baked-by-packer" {
  exists       = true
  type         = "file"
  mode         = "0644"
  owner        = "root"
  group        = "root"
  contains     = ["packer"]
  not_contains = ["password"]
}

check "port" "ssh" {
  port      = 22
  protocol  = "tcp"
  listening = true
  address   = "0.0.0.0"
}

check "user" "centos" {
  uid    = 1000
  shell  = "/bin/bash"
  home   = "/home/centos"
  groups = ["wheel"]
}

check "group" "wheel" {
  gid     = 10
  members = ["centos"]
}

check "command" "selinux" {
  description     = "SELinux enforces"
  run             = "getenforce"
  exit_status     = 0
  stdout          = "Enforcing"
  stdout_matches  = "^Enf"
  stderr_contains = []
}

check "kernel_param" "net.ipv4.ip_forward" {
  value = "0"
}

check "mount" "/" {
  fstype  = "xfs"
  options = ["rw"]
}

check "http" "cockpit" {
  url           = "https://localhost:9090/"
  status        = 200
  body_contains = ["Cockpit"]
}

check "selinux" "mode" {
  mode = "enforcing"
}

check "firewall" "ssh" {
  service = "ssh"
  zone    = "public"
}

check "firewall" "web" {
  port    = "80/tcp"
  allowed = false
}
