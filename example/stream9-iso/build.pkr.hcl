# CentOS Stream 9 installed from the DVD ISO with a kickstart the builder
# generates in Stream 9's dialect, booting the installer's kernel directly
# (no boot menu, no typing). The kickstart is served on the libvirt
# network's bridge address only; set kickstart_delivery = "cdrom" to hand
# it over on an OEMDRV CD instead, with no network at all.
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

source "centos-libvirt" "stream9" {
  centos_version = "stream9" # DVD ISO + SHA256SUM, dialect, CPU needs
  source_type    = "iso"
  boot_mode      = "kernel"

  kickstart {
    timezone      = "Europe/Berlin"
    root_password = var.root_password # only its hash reaches the installer
    packages      = ["vim-enhanced", "tmux"]
    partitioning  = "simple"
    selinux       = "enforcing"

    user {
      name          = "builder"
      groups        = ["wheel"]
      sudo_nopasswd = true
    }

    post = ["echo 'installed by packer' > /etc/motd"]
  }

  ssh_username = "builder"
  cpus         = 2
  memory       = 2048
  disk_size    = "20G"
}

build {
  sources = ["source.centos-libvirt.stream9"]

  provisioner "shell" {
    inline = ["echo baked | sudo tee /etc/baked-by-packer"]
  }
}
