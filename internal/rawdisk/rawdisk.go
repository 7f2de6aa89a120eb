// Package rawdisk reads (and the tests change) the ext4 file systems of a
// disk image without booting or mounting it — no loop device, no root: the image is flattened
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
	"path/filepath"
	"sort"
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
		if text, ok := d.readAt(ctx, i, path); ok {
			return text, nil
		}
	}
	return "", fmt.Errorf("%s not found in any ext4 partition", path)
}

// ReadDir lists the names in the directory at path (without . and ..),
// sorted, from whichever ext4 partition has it.
func (d *Disk) ReadDir(ctx context.Context, path string) ([]string, error) {
	for i := range d.Partitions {
		out, ok := d.debugfsAt(ctx, i, "ls -p "+path)
		if !ok {
			continue
		}
		// ls -p prints each entry as /inode/mode/uid/gid/name/size/.
		var names []string
		for _, line := range strings.Split(out, "\n") {
			f := strings.Split(line, "/")
			if len(f) < 7 || f[5] == "." || f[5] == ".." {
				continue
			}
			names = append(names, f[5])
		}
		sort.Strings(names)
		return names, nil
	}
	return nil, fmt.Errorf("directory %s not found in any ext4 partition", path)
}

// readAt reads the file at path from partition i, if it is an ext4 file
// system that has it.
func (d *Disk) readAt(ctx context.Context, i int, path string) (string, bool) {
	return d.debugfsAt(ctx, i, "cat "+path)
}

// debugfsAt runs a read-only request against partition i, if it is an
// ext4 file system that has what the request names.
func (d *Disk) debugfsAt(ctx context.Context, i int, request string) (string, bool) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "debugfs", "-R", request, fmt.Sprintf("%s?offset=%d", d.Raw, d.Partitions[i]))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || strings.Contains(stderr.String(), "File not found") || strings.Contains(stderr.String(), "Bad magic") {
		return "", false
	}
	return stdout.String(), true
}

// WriteFile replaces the existing file at path, in whichever ext4
// partition has it, with data (mode 0644, owned by root), in the raw file:
// tests use it to break a copy of an image offline. Convert Raw back to
// the format wanted afterwards.
func (d *Disk) WriteFile(ctx context.Context, path string, data []byte) error {
	dir, name := filepath.Split(path)
	local, err := os.CreateTemp("", "rawdisk-*")
	if err != nil {
		return err
	}
	defer os.Remove(local.Name())
	if _, err := local.Write(data); err != nil {
		local.Close()
		return err
	}
	local.Close()
	for i := range d.Partitions {
		if _, ok := d.readAt(ctx, i, path); !ok {
			continue
		}
		requests := strings.Join([]string{"cd " + dir, "rm " + name, "write " + local.Name() + " " + name,
			"sif " + name + " mode 0100644", "sif " + name + " uid 0", "sif " + name + " gid 0"}, "\n")
		cmd := exec.CommandContext(ctx, "debugfs", "-w", "-f", "-", fmt.Sprintf("%s?offset=%d", d.Raw, d.Partitions[i]))
		cmd.Stdin = strings.NewReader(requests + "\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("write %s into partition %d of %s: %w: %s", path, i+1, d.Raw, err, stderr.String())
		}
		if got, _ := d.readAt(ctx, i, path); got != string(data) {
			return fmt.Errorf("write %s into partition %d of %s: it reads back as %q: %s", path, i+1, d.Raw, got, stderr.String())
		}
		return nil
	}
	return fmt.Errorf("%s not found in any ext4 partition", path)
}
