# For full specification on the configuration of this file visit:
# https://github.com/hashicorp/integration-template#metadata-configuration
integration {
  name        = "CentOS"
  description = "Bake CentOS images on libvirt/KVM from GenericCloud images and prove them with a fresh boot."
  identifier  = "packer/packer-centos/centos"
  component {
    type = "builder"
    name = "centos-libvirt"
    slug = "libvirt"
  }
  component {
    type = "data-source"
    name = "centos-image"
    slug = "image"
  }
  component {
    type = "post-processor"
    name = "centos-verify"
    slug = "verify"
  }
}
