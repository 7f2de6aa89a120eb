package libvirt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// checksumFile lists every output's sha256 in output_directory, in
// sha256sum's format, so `sha256sum -c SHA256SUMS` checks them all.
const checksumFile = "SHA256SUMS"

// stepExport flattens the build disk once into the working directory and
// writes every output from that copy into output_directory, in parallel
// (imageformat.WriteAll), then the checksum file. A failed or
// interrupted export leaves nothing: WriteAll removes its outputs, and
// the SDK's output-directory step removes the directory.
type stepExport struct{}

func (stepExport) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	flat := r.WorkDir.Path("flat.qcow2")
	r.UI.Say("Flattening the build disk")
	if err := r.Guest.Storage.Export(ctx, r.Disk, flat, "qcow2", qemuimg.CompressionNone); err != nil {
		return guestrun.Fail(state, err)
	}
	info, err := qemuimg.ReadInfo(ctx, flat)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	outputs := cfg.imageOutputs(cfg.OutputDirectory)
	r.UI.Say(fmt.Sprintf("Writing %s from it", describeOutputs(outputs)))
	written, err := imageformat.WriteAll(ctx, imageformat.Source{Path: flat, Format: "qcow2", VirtualSize: info.VirtualSize}, outputs,
		imageformat.Options{Scratch: r.WorkDir.Path("export"), Report: r.UI.Say})
	os.Remove(flat)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	r.written = written
	for i, w := range written {
		o := cfg.outputs[i]
		r.outputs = append(r.outputs, artifact.Output{
			Format: w.Format, Path: w.Path, SHA256: w.SHA256, Size: w.Size, VirtualSize: w.VirtualSize,
			Target: o.format.Target, Primary: o.primary, ImageDigest: w.ImageDigest(),
		})
		r.UI.Say(fmt.Sprintf("%s (%s, for %s): %s, %s virtual, sha256 %s, written in %s",
			w.Path, w.Format, o.format.Target, sizes.Format(w.Size), sizes.Format(w.VirtualSize), w.SHA256, guestrun.Seconds(w.Took)))
	}
	if err := writeChecksums(cfg.OutputDirectory, written); err != nil {
		return guestrun.Fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepExport) Cleanup(multistep.StateBag) {}

// describeOutputs says "3 outputs (qcow2, vmdk, vhd)" or "the qcow2 output".
func describeOutputs(outputs []imageformat.Output) string {
	if len(outputs) == 1 {
		return "the " + outputs[0].Format + " output"
	}
	formats := make([]string, len(outputs))
	for i, o := range outputs {
		formats[i] = o.Format
	}
	return fmt.Sprintf("%d outputs (%s)", len(outputs), strings.Join(formats, ", "))
}

// exportOutput is an output as Prepare settled it.
type exportOutput struct {
	format      imageformat.Format
	fileName    string
	compression string
	primary     bool
	repository  string
}

// imageOutputs are the outputs to write into dir.
func (c *Config) imageOutputs(dir string) []imageformat.Output {
	machine := imageformat.Machine{CPUs: c.CPUs, MemoryMiB: c.Memory, Firmware: c.Firmware, GuestOS: c.release.VMwareGuestID}
	outputs := make([]imageformat.Output, len(c.outputs))
	for i, o := range c.outputs {
		outputs[i] = imageformat.Output{
			Format: o.format.Name, Path: filepath.Join(dir, o.fileName), Compression: o.compression,
			Name: c.VMName, Machine: machine, Reference: o.repository,
		}
	}
	return outputs
}

// writeChecksums writes the checksum file: "<sha256>  <file name>" per
// output, in the order of the export blocks.
func writeChecksums(dir string, written []imageformat.Written) error {
	var b strings.Builder
	for _, w := range written {
		fmt.Fprintf(&b, "%s  %s\n", w.SHA256, filepath.Base(w.Path))
	}
	if err := os.WriteFile(filepath.Join(dir, checksumFile), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write the checksum file: %w", err)
	}
	return nil
}
