# CentOS Stream 9 with nginx, baked and then proven by a fresh boot:
# centos-verify boots the finished image on a throwaway overlay and runs
# verify.hcl plus the checks written inline below. Any failed check fails
# the build; reports land in reports/.
packer {
  required_plugins {
    centos = {
      source  = "github.com/packer-centos/centos"
      version = ">= 0.1.0"
    }
  }
}

source "centos-libvirt" "web" {
  centos_version = "stream9"
  cpus           = 2
  memory         = 2048
  disk_size      = "20G"
}

build {
  sources = ["source.centos-libvirt.web"]

  provisioner "shell" {
    inline = [
      "sudo dnf -y install nginx",
      "sudo systemctl enable nginx",
      "sudo firewall-offline-cmd --add-service=http || true",
      "echo baked | sudo tee /etc/baked-by-packer",
    ]
  }

  post-processor "centos-verify" {
    spec         = "verify.hcl" # or verify.json: the same checks
    report_junit = "reports/verify.xml"
    report_json  = "reports/verify.json"

    # A spec file's check "user" "cloud-user" { ... }, written inline:
    check_user {
      name   = "cloud-user"
      exists = true
      groups = ["wheel"]
    }
  }
}
