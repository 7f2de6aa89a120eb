# CentOS Stream 10 from the newest dated GenericCloud image, found by the
# centos-image data source: the build log and the artifact name the image
# (e.g. CentOS-Stream-GenericCloud-x86_64-10-20250812.0.x86_64.qcow2), and
# setting `compose` rebuilds from exactly that one. Needs cloud.centos.org,
# or `mirror` pointing at your own copy of it.
packer {
  required_plugins {
    centos = {
      source  = "github.com/packer-centos/centos"
      version = ">= 0.1.0"
    }
  }
}

variable "compose" {
  type        = string
  default     = ""
  description = "Pin one dated build, e.g. 20250812.0; empty takes the newest."
}

variable "mirror" {
  type        = string
  default     = ""
  description = "Base URL of a mirror laid out like https://cloud.centos.org/; empty is cloud.centos.org."
}

data "centos-image" "stream10" {
  version  = "stream10"
  firmware = "efi" # Stream 10 publishes separate BIOS and UEFI images
  compose  = var.compose
  mirror   = var.mirror
}

source "centos-libvirt" "stream10" {
  source_image_url      = data.centos-image.stream10.url
  source_image_checksum = data.centos-image.stream10.checksum
  ssh_username          = data.centos-image.stream10.ssh_username
  centos_version        = "stream10" # the CPU level (x86-64-v3) and the kickstart dialect
  firmware              = "efi"
  cpus                  = 2
  memory                = 2048
  disk_size             = "20G"
}

build {
  sources = ["source.centos-libvirt.stream10"]
  provisioner "shell" {
    inline = ["echo 'built from ${data.centos-image.stream10.name}' | sudo tee /etc/image-source"]
  }
  post-processor "centos-verify" {
    report_junit = "reports/verify.xml"
    report_html  = "reports/verify.html"
  }
}
