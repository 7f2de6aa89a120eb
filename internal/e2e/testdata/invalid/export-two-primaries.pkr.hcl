# expect: export blocks #1 and #2 all say primary = true; centos-verify boots one primary output: mark only one
source "centos-libvirt" "x" {
  source_image_url      = "{{IMAGE}}"
  source_image_checksum = "sha256:{{SHA}}"
  ssh_username          = "root"
  export {
    format  = "qcow2"
    primary = true
  }
  export {
    format  = "raw"
    primary = true
  }
}
build { sources = ["source.centos-libvirt.x"] }
