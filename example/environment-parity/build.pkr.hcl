# One CentOS Stream 9 build for every environment a team deploys to:
# the same verified disk as qcow2 (KVM, OpenStack), VMDK (vSphere, AWS),
# VHD (Azure), VHDX (Hyper-V), Google Compute Engine's tar.gz, an OVA
# and a KubeVirt containerDisk pushed to a registry. centos-verify boots
# the qcow2, checks it against verify.hcl, and proves every other output
# holds the same disk. docs/environments.md says how to hand each file to
# its environment (amazon-import, googlecompute-import, az, a KubeVirt
# VirtualMachine: kubevirt-vm.yaml).
#
#   packer init . && packer build -var repository=registry.example.com/images/centos-stream9:9.6 .
packer {
  required_plugins {
    centos = {
      source  = "github.com/packer-centos/centos"
      version = ">= 0.1.0"
    }
  }
}

variable "repository" {
  type        = string
  description = "Where the containerDisk is pushed; credentials from `docker login` or `podman login`."
  default     = "registry.example.com/images/centos-stream9:latest"
}

source "centos-libvirt" "stream9" {
  centos_version = "stream9"
  cpus           = 2
  memory         = 2048
  disk_size      = "20G"

  export { format = "qcow2" } # the primary: verify boots this one
  export { format = "vmdk" }  # VMware vSphere, AWS VM Import
  export { format = "vhd" }   # Azure: fixed, whole MiB
  export { format = "vhdx" }  # Hyper-V
  export { format = "gce" }   # Google Compute Engine: disk.raw in a gzip'd GNU tar
  export { format = "ova" }   # vSphere, VirtualBox, AWS VM Import
  export {
    format     = "containerdisk" # KubeVirt
    repository = var.repository
  }
}

build {
  sources = ["source.centos-libvirt.stream9"]

  provisioner "shell" {
    inline = ["echo baked | sudo tee /etc/baked-by-packer"]
  }

  post-processor "centos-verify" {
    spec         = "verify.hcl"
    report_junit = "reports/verify.xml"
    report_html  = "reports/verify.html"
  }
}
