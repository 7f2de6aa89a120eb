# The offline demo (`make demo`): bakes the project's stand-in guest — a
# small Debian cloud image that stands in for a CentOS GenericCloud image,
# which can't be downloaded on offline machines — exactly as a CentOS
# image would be baked, then boots the result fresh and proves it against
# verify.hcl. The test world's settings are chosen explicitly: TCG, its
# own network, a local image.
packer {
  required_plugins {
    centos = {
      source  = "github.com/packer-centos/centos"
      version = ">= 0.1.0"
    }
  }
}

variable "standin_image" {
  type        = string
  description = "Path of the stand-in guest qcow2 (internal/testworld/world.sh guest)."
}

variable "standin_sha256" {
  type        = string
  description = "Its sha256."
}

variable "network" {
  type        = string
  default     = "default"
  description = "The libvirt network of the test world."
}

source "centos-libvirt" "demo" {
  source_image_url      = var.standin_image
  source_image_checksum = "sha256:${var.standin_sha256}"
  domain_type           = "qemu" # KVM does not work on the project's machines
  network               = var.network
  cpus                  = 2
  memory                = 1024
  disk_size             = "3G"
  ssh_username          = "cloud-user"
  ssh_timeout           = "5m"
}

build {
  sources = ["source.centos-libvirt.demo"]

  provisioner "shell" {
    inline = [
      "echo baked | sudo tee /etc/baked-by-packer",
      "uname -a",
    ]
  }

  post-processor "centos-verify" {
    spec         = "verify.hcl"
    domain_type  = "qemu"
    network      = var.network
    memory       = 1024
    report_junit = "reports/verify.xml"
    report_json  = "reports/verify.json"
    report_html  = "reports/verify.html" # one page: verdict, checks, timeline

    # A check written inline rather than in verify.hcl.
    check_service {
      name    = "systemd-networkd"
      enabled = true
      running = true
    }
  }
}
