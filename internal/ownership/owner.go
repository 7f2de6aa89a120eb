// Package ownership makes the plugin the owner of what its runs create:
// libvirt has no owner for a domain, a volume or a DHCP reservation, so
// a build killed with SIGKILL (a CI job timeout, the OOM killer) would
// leave them behind for good. Every run writes a Record — who made it
// (plugin version, host, pid and the pid's start time, build, creation
// time) and what it made — into its working directory and into its
// domain's metadata. At the start of the next run, Reclaim removes the
// objects of runs whose owner process is gone from this host, and never
// touches those of a live owner, of another host, or without a record.
package ownership

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Owner is the process that made an object.
type Owner struct {
	// Plugin is the plugin's version.
	Plugin string `json:"plugin" xml:"plugin,attr"`
	Host   string `json:"host" xml:"host,attr"`
	// Boot is Host's kernel boot id: after a reboot no process of the
	// old boot can be alive, whatever its pid.
	Boot string `json:"boot" xml:"boot,attr"`
	// PIDNamespace is the pid namespace PID is a pid of (a container
	// has its own): a pid of another namespace says nothing here.
	PIDNamespace string `json:"pidns" xml:"pidns,attr"`
	PID          int    `json:"pid" xml:"pid,attr"`
	// Start is when the process started, in clock ticks since boot (the
	// 22nd field of /proc/PID/stat): a pid reused by another process has
	// another start time.
	Start uint64 `json:"start" xml:"start,attr"`
	// Build names the build, e.g. "centos-libvirt.stream9".
	Build   string    `json:"build" xml:"build,attr"`
	Created time.Time `json:"created" xml:"created,attr"`
}

// Host is this host as owner checks see it.
type Host struct {
	Name string
	Boot string
	// PIDNamespace is this process's pid namespace.
	PIDNamespace string
	// StartTime reads a live process's start time; it fails for a pid
	// no live process has (none, or one that has exited but is not
	// reaped yet).
	StartTime func(pid int) (uint64, error)
}

// ThisHost reads this host's name and boot id.
func ThisHost() (Host, error) {
	name, err := os.Hostname()
	if err != nil {
		return Host{}, fmt.Errorf("read the host name: %w", err)
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return Host{}, fmt.Errorf("read the boot id: %w", err)
	}
	pidns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return Host{}, fmt.Errorf("read the pid namespace: %w", err)
	}
	return Host{Name: name, Boot: strings.TrimSpace(string(boot)), PIDNamespace: pidns, StartTime: processStart}, nil
}

// Self is the owner record of this process for build.
func (h Host) Self(plugin, build string) (Owner, error) {
	pid := os.Getpid()
	start, err := h.StartTime(pid)
	if err != nil {
		return Owner{}, err
	}
	return Owner{Plugin: plugin, Host: h.Name, Boot: h.Boot, PIDNamespace: h.PIDNamespace, PID: pid, Start: start, Build: build,
		Created: time.Now().UTC().Truncate(time.Second)}, nil
}

// State is what an owner check found.
type State int

const (
	// Alive: the owner runs on this host; its objects are in use.
	Alive State = iota
	// Gone: the owner ran on this host and no longer does.
	Gone
	// Elsewhere: the owner is another host's, or another pid
	// namespace's (a container's); nothing here can tell.
	Elsewhere
)

// Check tells whether o still runs, and why not when it is gone.
func (h Host) Check(o Owner) (State, string) {
	switch {
	case o.Host != h.Name:
		return Elsewhere, "made on host " + o.Host
	case o.Boot != h.Boot:
		return Gone, "the host has rebooted since"
	case o.PIDNamespace != h.PIDNamespace:
		return Elsewhere, "made in another pid namespace (" + o.PIDNamespace + ")"
	}
	start, err := h.StartTime(o.PID)
	if err != nil {
		return Gone, fmt.Sprintf("process %d has exited", o.PID)
	}
	if start != o.Start {
		return Gone, fmt.Sprintf("process %d has exited (its pid is another process's now)", o.PID)
	}
	return Alive, fmt.Sprintf("process %d still runs", o.PID)
}

// String says who the owner is, for the line that reports a reclaim.
func (o Owner) String() string {
	return fmt.Sprintf("build %q (pid %d on %s, plugin %s, made %s)", o.Build, o.PID, o.Host, o.Plugin, o.Created.Local().Format(time.DateTime))
}

// processStart reads a live process's start time from /proc/PID/stat.
func processStart(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStat(b)
}

// parseStat takes the start time out of a /proc/PID/stat line. The
// command name (field 2) may hold spaces and parentheses, so the fields
// are counted from its last ')': state is field 3, starttime field 22.
// A process that has exited — a zombie (Z) its parent has not reaped
// yet, or one being torn down (X) — is no owner any more.
func parseStat(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc stat %q: no command name", b)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X") {
		return 0, fmt.Errorf("the process has exited (state %s)", fields[0])
	}
	const startField = 22 - 3
	if len(fields) <= startField {
		return 0, fmt.Errorf("parse /proc stat: %d fields after the command name, want more than %d", len(fields), startField)
	}
	start, err := strconv.ParseUint(fields[startField], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse /proc stat start time: %w", err)
	}
	return start, nil
}
