# CentOS Stream 9 from the GenericCloud image, provisioned with a shell
# step. `packer init . && packer build .` writes
# output-stream9/stream9.qcow2 and its checksum in output-stream9/SHA256SUMS.
packer {
  required_plugins {
    centos = {
      source  = "github.com/packer-centos/centos"
      version = ">= 0.1.0"
    }
  }
}

source "centos-libvirt" "stream9" {
  centos_version = "stream9" # GenericCloud qcow2 + CHECKSUM file + cloud-user
  cpus           = 2
  memory         = 2048
  disk_size      = "20G"
}

build {
  sources = ["source.centos-libvirt.stream9"]

  provisioner "shell" {
    inline = ["echo baked | sudo tee /etc/baked-by-packer"]
  }
}
