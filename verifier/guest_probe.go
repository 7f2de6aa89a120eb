package verifier

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PackageManager names the package database a guest uses.
type PackageManager string

// Package databases the package check can query.
const (
	RPM  PackageManager = "rpm"
	Dpkg PackageManager = "dpkg"
)

// outputMarker separates sections of a compound command's stdout. It is not
// something a file or tool would plausibly print on a line of its own.
const outputMarker = "@@verifier@@"

// probePackageManagerCommand prints os-release, then the paths of whichever
// package query tools exist, so one round trip decides.
const probePackageManagerCommand = "cat /etc/os-release 2>/dev/null; echo " + outputMarker +
	"; command -v rpm; command -v dpkg-query; true"

// bootTimeCommand prints the kernel's boot time in seconds since the epoch.
const bootTimeCommand = "grep '^btime ' /proc/stat"

// PackageManager reports the guest's package database, detected on first use
// and cached for the rest of the run.
func (g *Guest) PackageManager(ctx context.Context) (PackageManager, error) {
	return g.packageManager.get(ctx, func(ctx context.Context) (PackageManager, error) {
		res, err := g.Run(ctx, probePackageManagerCommand)
		if err != nil {
			return "", fmt.Errorf("detect package manager: %w", err)
		}
		return parsePackageManagerProbe(res.Stdout)
	})
}

// BootTime reports when the guest booted, per /proc/stat btime, cached for
// the rest of the run.
func (g *Guest) BootTime(ctx context.Context) (time.Time, error) {
	return g.bootTime.get(ctx, func(ctx context.Context) (time.Time, error) {
		res, err := g.Run(ctx, bootTimeCommand)
		if err != nil {
			return time.Time{}, fmt.Errorf("read boot time: %w", err)
		}
		return parseBootTime(res.Stdout)
	})
}

func parseBootTime(stdout string) (time.Time, error) {
	f := strings.Fields(stdout)
	if len(f) != 2 || f[0] != "btime" {
		return time.Time{}, fmt.Errorf("read boot time: unexpected /proc/stat line %q", strings.TrimSpace(stdout))
	}
	secs, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("read boot time: %w", err)
	}
	return time.Unix(secs, 0), nil
}

// rpmFamily and dpkgFamily are os-release IDs whose package database is known.
var (
	rpmFamily  = []string{"rhel", "centos", "fedora", "suse", "opensuse", "sles", "almalinux", "rocky", "ol", "amzn"}
	dpkgFamily = []string{"debian", "ubuntu"}
)

func parsePackageManagerProbe(stdout string) (PackageManager, error) {
	osRelease, tools, _ := strings.Cut(stdout, outputMarker+"\n")
	fields := parseOSRelease(osRelease)
	ids := append([]string{fields["ID"]}, strings.Fields(fields["ID_LIKE"])...)
	for _, id := range ids {
		for _, f := range rpmFamily {
			if id == f || strings.HasPrefix(id, f+"-") {
				return RPM, nil
			}
		}
		for _, f := range dpkgFamily {
			if id == f {
				return Dpkg, nil
			}
		}
	}
	// Unknown distribution: go by which query tool is installed.
	for _, line := range strings.Split(tools, "\n") {
		switch {
		case strings.HasSuffix(line, "/rpm"):
			return RPM, nil
		case strings.HasSuffix(line, "/dpkg-query"):
			return Dpkg, nil
		}
	}
	return "", fmt.Errorf("detect package manager: os-release ID %q is not known and neither rpm nor dpkg-query is installed", fields["ID"])
}

// parseOSRelease reads os-release(5) KEY=value lines, unquoting values.
func parseOSRelease(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if n := len(v); n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n-1] == v[0] {
			v = v[1 : n-1]
			if line[len(k)+1] == '"' {
				v = unescapeDoubleQuoted(v)
			}
		}
		out[k] = v
	}
	return out
}

func unescapeDoubleQuoted(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
