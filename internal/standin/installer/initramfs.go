package installer

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
	"time"
)

// busybox is the static busybox the initramfs runs on: it has no libc.
const busybox = "/bin/busybox"

// writeInitramfs writes the installer's initramfs to dst: busybox and its
// applets, /init (init.sh) and its helpers, the kernel modules, and
// /dev/console, which the kernel opens for /init before /init mounts
// devtmpfs — a gzip'd newc cpio, as the kernel reads it.
func writeInitramfs(dst string, mods *kernelModules, logf Logf) error {
	t := time.Now()
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("read %s: %w", busybox, err)
	}
	applets, err := exec.Command(busybox, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("list the applets of %s: %w", busybox, err)
	}
	a := newArchive()
	for _, dir := range []string{".", "bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "run", "mnt", "tmp"} {
		a.dir(dir)
	}
	a.file("bin/busybox", 0o755, bb)
	for _, applet := range strings.Fields(string(applets)) {
		if applet != "bin/busybox" {
			a.symlink(applet, "/bin/busybox")
		}
	}
	for _, f := range []struct {
		name, dst string
		mode      int64
	}{{"init.sh", "init", 0o755}, {"udhcpc.sh", "etc/udhcpc.sh", 0o755}, {"kickstart.awk", "etc/kickstart.awk", 0o644}} {
		data, err := recipe.ReadFile(f.name)
		if err != nil {
			return err
		}
		a.file(f.dst, f.mode, data)
	}
	a.charDevice("dev/console", 0o600, 5, 1)
	moduleDir := "lib/modules/" + mods.version
	for _, p := range mods.order {
		a.file(moduleDir+"/"+p, 0o644, mods.files[p])
	}
	// The load order, for /init.
	a.file(moduleDir+"/standin.load", 0o644, []byte(strings.Join(mods.order, "\n")+"\n"))

	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := a.write(zw); err != nil {
		return fmt.Errorf("write initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return err
	}
	logf("initramfs: %d KiB (%.1f s)", fi.Size()>>10, time.Since(t).Seconds())
	return nil
}

// archive is a cpio archive in the "newc" format the kernel unpacks an
// initramfs from, written from memory: no files of this host, no root
// needed for the device node.
type archive struct {
	entries map[string]entry
}

type entry struct {
	mode         int64 // type and permission bits
	data         []byte
	rmajor, rmin int64
}

// File type bits of a cpio entry's mode.
const (
	typeDir     = 0o040000
	typeFile    = 0o100000
	typeSymlink = 0o120000
	typeChar    = 0o020000
)

func newArchive() *archive { return &archive{entries: map[string]entry{}} }

func (a *archive) dir(name string) { a.entries[name] = entry{mode: typeDir | 0o755} }

// file adds a regular file, and the directories above it.
func (a *archive) file(name string, perm int64, data []byte) {
	a.parents(name)
	a.entries[name] = entry{mode: typeFile | perm, data: data}
}

func (a *archive) symlink(name, target string) {
	a.parents(name)
	a.entries[name] = entry{mode: typeSymlink | 0o777, data: []byte(target)}
}

func (a *archive) charDevice(name string, perm, major, minor int64) {
	a.parents(name)
	a.entries[name] = entry{mode: typeChar | perm, rmajor: major, rmin: minor}
}

func (a *archive) parents(name string) {
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if _, ok := a.entries[dir]; !ok {
			a.dir(dir)
		}
	}
}

// write writes the entries sorted by name — every directory before what
// it holds — and the trailer.
func (a *archive) write(w io.Writer) error {
	names := make([]string, 0, len(a.entries))
	for n := range a.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	for i, name := range names {
		writeEntry(&buf, int64(i+1), name, a.entries[name])
	}
	writeEntry(&buf, 0, "TRAILER!!!", entry{})
	_, err := w.Write(buf.Bytes())
	return err
}

// writeEntry writes one newc header, name and data, each padded to four
// bytes.
func writeEntry(b *bytes.Buffer, ino int64, name string, e entry) {
	nlink := int64(1)
	if e.mode&0o170000 == typeDir {
		nlink = 2
	}
	fields := []int64{ino, e.mode, 0, 0, nlink, 0, int64(len(e.data)), 0, 0, e.rmajor, e.rmin, int64(len(name) + 1), 0}
	b.WriteString("070701")
	for _, f := range fields {
		fmt.Fprintf(b, "%08x", f)
	}
	b.WriteString(name)
	b.WriteByte(0)
	pad(b)
	b.Write(e.data)
	pad(b)
}

func pad(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}
