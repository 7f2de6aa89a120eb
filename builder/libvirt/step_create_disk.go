package libvirt

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// stepCreateDisk makes the build disk: for a cloud image a qcow2 overlay
// over the verified source image, grown to disk_size — the source image
// (in Packer's cache or the user's own file, or its upload to a storage
// pool) is only ever read; for an ISO install an empty disk of disk_size.
type stepCreateDisk struct{}

func (stepCreateDisk) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	if r.config.iso() {
		disk, err := r.Guest.Storage.Blank(ctx, "disk.qcow2", r.config.diskSizeBytes)
		if err != nil {
			return guestrun.Fail(state, err)
		}
		r.Disk = disk
		r.UI.Say(fmt.Sprintf("Build disk: %s, empty, for the installer", sizes.Format(r.config.diskSizeBytes)))
		return multistep.ActionContinue
	}
	src, err := filepath.Abs(state.Get("source_image_path").(string))
	if err != nil {
		return guestrun.Fail(state, fmt.Errorf("locate source image: %w", err))
	}
	info, err := qemuimg.ReadInfo(ctx, src)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	if info.Format != "qcow2" && info.Format != "raw" {
		return guestrun.Fail(state, fmt.Errorf("source image %s is %s; only qcow2 and raw images are supported", src, info.Format))
	}
	size := r.config.diskSizeBytes
	if size != 0 && size < info.VirtualSize {
		return guestrun.Fail(state, fmt.Errorf("disk_size %s is smaller than the source image's %s; disks cannot shrink",
			r.config.DiskSize, sizes.Format(info.VirtualSize)))
	}
	if size == 0 {
		size = info.VirtualSize
	}
	if err := r.OverlayDisk(ctx, src, "source."+info.Format, info.Format, size, true); err != nil {
		return guestrun.Fail(state, err)
	}
	r.UI.Say(fmt.Sprintf("Build disk: %s over %s (%s)", sizes.Format(size), filepath.Base(src), info.Format))
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the disk goes with the working directory or
// the storage step's volumes.
func (stepCreateDisk) Cleanup(multistep.StateBag) {}
