# The seed's template (hekar/packer-centos centos.json: CentOS 7 from the
# DVD, qemu builder, kickstart over HTTP, shell provisioners) translated to
# HCL for centos-libvirt. What changed, and why:
#   - the kickstart is a template (kickstart/ks.cfg): the root password
#     reaches the installer only as a SHA-512 crypt hash, and the build's
#     own SSH key is installed with `sshkey`, so no password crosses SSH;
#   - the HTTP server listens on the libvirt network's bridge only, and the
#     boot command is typed through libvirt's send-key, not VNC;
#   - the ISO comes from vault.centos.org (CentOS 7 reached its end of
#     life), checked against the published sha256sum.txt.
packer {
  required_plugins {
    centos = {
      source  = "github.com/packer-centos/centos"
      version = ">= 0.1.0"
    }
  }
}

variable "root_password" {
  type      = string
  sensitive = true
  default   = "change-me-at-build-time"
}

variable "ssh_username" {
  type    = string
  default = "codeaira"
}

source "centos-libvirt" "centos7" {
  centos_version = "7"
  source_type    = "iso"
  iso_url        = "https://vault.centos.org/7.9.2009/isos/x86_64/CentOS-7-x86_64-DVD-2009.iso"
  iso_checksum   = "file:https://vault.centos.org/7.9.2009/isos/x86_64/sha256sum.txt"

  # The seed's boot command: CentOS 7 still reads the unprefixed ks=.
  boot_wait    = "5s"
  boot_command = ["<up><wait><tab> text ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"]

  kickstart_file = "kickstart/ks.cfg"
  root_password  = var.root_password

  vm_name          = "centos7"
  cpus             = 2
  memory           = 2048
  disk_size        = "65536" # MiB, as in the seed
  ssh_username     = var.ssh_username
  ssh_timeout      = "20m"
  output_directory = "output-centos7-qemu-iso"
}

build {
  sources = ["source.centos-libvirt.centos7"]

  provisioner "shell" {
    execute_command = "{{ .Vars }} sudo -E sh '{{ .Path }}'"
    inline = [
      "echo 'UseDNS no' >> /etc/ssh/sshd_config",
      "echo 'GSSAPIAuthentication no' >> /etc/ssh/sshd_config",
      "echo 'Built with Packer' > /etc/motd",
      "yum -y install epel-release",
      "yum -y install git tmux nginx",
      "firewall-offline-cmd --add-port=80/tcp",
    ]
  }
}
