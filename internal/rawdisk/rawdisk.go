// Package rawdisk reads the ext4 file systems of a disk image without
// booting or mounting it — no loop device, no root: the image is flattened
// to a raw file with qemu-img, its partitions are found with sfdisk, and
// debugfs reads each at its offset. The stand-in installer's build reads
// the guest's kernel and modules this way, and the tests read what a
// build wrote into its artifact.
package rawdisk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/tool"
)

// Disk is a disk image flattened to a raw file.
type Disk struct {
	// Raw is the raw file.
	Raw string
	// Partitions are the byte offsets of the partitions, in table order.
	Partitions []int64
}

// Open flattens image (any format qemu-img reads) into raw and reads its
// partition table.
func Open(ctx context.Context, image, raw string) (*Disk, error) {
	if _, err := tool.Output(ctx, "qemu-img", "convert", "-O", "raw", image, raw); err != nil {
		return nil, err
	}
	out, err := tool.Output(ctx, "sfdisk", "--json", raw)
	if err != nil {
		return nil, fmt.Errorf("read the partition table of %s: %w", image, err)
	}
	var table struct {
		PartitionTable struct {
			SectorSize int64 `json:"sectorsize"`
			Partitions []struct {
				Start int64 `json:"start"`
			} `json:"partitions"`
		} `json:"partitiontable"`
	}
	if err := json.Unmarshal(out, &table); err != nil {
		return nil, fmt.Errorf("parse the partition table of %s: %w", image, err)
	}
	sector := table.PartitionTable.SectorSize
	if sector == 0 {
		sector = 512
	}
	d := &Disk{Raw: raw}
	for _, p := range table.PartitionTable.Partitions {
		d.Partitions = append(d.Partitions, p.Start*sector)
	}
	return d, nil
}

// Debugfs runs one debugfs request against the file system of partition
// i (0 is the first) and returns what it printed.
func (d *Disk) Debugfs(ctx context.Context, i int, request string) ([]byte, error) {
	if i >= len(d.Partitions) {
		return nil, fmt.Errorf("%s has no partition %d", d.Raw, i+1)
	}
	return tool.Output(ctx, "debugfs", "-R", request, fmt.Sprintf("%s?offset=%d", d.Raw, d.Partitions[i]))
}

// Dump copies the file at path of partition i to dst.
func (d *Disk) Dump(ctx context.Context, i int, path, dst string) error {
	if _, err := d.Debugfs(ctx, i, "dump "+path+" "+dst); err != nil {
		return err
	}
	if fi, err := os.Stat(dst); err != nil || fi.Size() == 0 {
		return fmt.Errorf("no %s in partition %d of %s", path, i+1, d.Raw)
	}
	return nil
}

// ReadFile reads the file at path from whichever ext4 partition has it.
func (d *Disk) ReadFile(ctx context.Context, path string) (string, error) {
	for i := range d.Partitions {
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "debugfs", "-R", "cat "+path, fmt.Sprintf("%s?offset=%d", d.Raw, d.Partitions[i]))
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || strings.Contains(stderr.String(), "File not found") || strings.Contains(stderr.String(), "Bad magic") {
			continue
		}
		return stdout.String(), nil
	}
	return "", fmt.Errorf("%s not found in any ext4 partition", path)
}
