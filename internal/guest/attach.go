package guest

import (
	"context"
	"fmt"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// AttachReadOnly plugs disk into the running guest as a read-only virtio
// disk at target, with serial, and returns the device path by which the
// guest finds it.
func (g *Guest) AttachReadOnly(ctx context.Context, disk domainxml.Disk, target, serial string) (string, error) {
	xml, err := domainxml.ReadOnlyDiskXML(disk, target, serial)
	if err != nil {
		return "", err
	}
	if err := g.Driver.AttachDisk(ctx, g.Name, xml); err != nil {
		return "", fmt.Errorf("plug the image into the guest: %w", err)
	}
	return "/dev/disk/by-id/virtio-" + serial, nil
}
