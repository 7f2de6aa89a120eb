// Command packer-plugin-centos is the Packer plugin binary: it registers the
// centos-libvirt builder, the centos-verify post-processor and the
// centos-image data source, and hands control to Packer's plugin protocol.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/plugin"

	"github.com/packer-centos/packer-plugin-centos/builder/libvirt"
	"github.com/packer-centos/packer-plugin-centos/datasource/image"
	"github.com/packer-centos/packer-plugin-centos/post-processor/verify"
	"github.com/packer-centos/packer-plugin-centos/version"
)

func main() {
	pps := plugin.NewSet()
	// Packer names components "<plugin>-<name>", so this is centos-libvirt.
	pps.RegisterBuilder("libvirt", new(libvirt.Builder))
	// centos-verify: boots the finished image and checks it against a spec.
	pps.RegisterPostProcessor("verify", new(verify.PostProcessor))
	// centos-image: finds the dated GenericCloud image to start from.
	pps.RegisterDatasource("image", new(image.Datasource))
	pps.SetVersion(version.PluginVersion)
	if err := pps.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
}
