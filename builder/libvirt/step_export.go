package libvirt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// stepExport flattens the build disk into output_directory as
// <vm_name>.<format> and writes <image>.sha256 next to it in sha256sum's
// format, so `sha256sum -c` checks it. A failed or interrupted export
// leaves nothing: the SDK's output-directory step removes the directory.
type stepExport struct{}

func (stepExport) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	name := cfg.VMName + "." + cfg.Format
	out := filepath.Join(cfg.OutputDirectory, name)
	r.UI.Say(fmt.Sprintf("Exporting %s (%s, compression %s)", out, cfg.Format, cfg.DiskCompression))
	if err := r.Guest.Storage.Export(ctx, r.Disk, out, cfg.Format, cfg.DiskCompression); err != nil {
		return guestrun.Fail(state, err)
	}
	sum, size, err := ctxio.SHA256File(ctx, out)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	line := fmt.Sprintf("%s  %s\n", sum, name)
	if err := os.WriteFile(out+".sha256", []byte(line), 0o644); err != nil {
		return guestrun.Fail(state, fmt.Errorf("write checksum file: %w", err))
	}
	info, err := qemuimg.ReadInfo(ctx, out)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	r.image = exportedImage{path: out, format: cfg.Format, sha256: sum, size: size, virtSize: info.VirtualSize}
	r.UI.Say(fmt.Sprintf("Image %s: %s on disk, %s virtual, sha256 %s", out, sizes.Format(size), sizes.Format(info.VirtualSize), sum))
	return multistep.ActionContinue
}

func (stepExport) Cleanup(multistep.StateBag) {}
