package guest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// x86Levels are the CPU features each x86-64 micro-architecture level
// adds (x86-64 psABI), as libvirt names them. v3's LZCNT ("abm") and
// F16C are left out: libvirt's older CPU models (Haswell) do not list
// them although the CPUs have them, and every CPU with the rest has both.
var x86Levels = map[int][]string{
	2: {"cx16", "lahf_lm", "popcnt", "sse4.1", "sse4.2", "ssse3"},
	3: {"avx", "avx2", "bmi1", "bmi2", "fma", "movbe", "xsave"},
}

// missingFeatures lists what a CPU with features lacks for level.
func missingFeatures(level int, features []string) []string {
	have := map[string]bool{}
	for _, f := range features {
		have[f] = true
	}
	var missing []string
	for l := 2; l <= level; l++ {
		for _, f := range x86Levels[l] {
			if !have[f] {
				missing = append(missing, f)
			}
		}
	}
	sort.Strings(missing)
	return missing
}

// checkCPULevel asks libvirt what the guest's CPU will offer and fails
// when the release's userland would not start on it (glibc refuses:
// "CPU does not support x86-64-v3") — a guest that never reaches SSH,
// with nothing on its console to say why. When libvirt cannot say, it
// warns and lets the boot go on.
func checkCPULevel(ctx context.Context, d Driver, ui UI, h Host, w HostWish) error {
	if w.MinX86Level < 2 {
		return nil
	}
	features, err := d.CPUFeatures(ctx, h.DomainType, h.CPU)
	if err != nil {
		ui.Error(fmt.Sprintf("WARNING: could not check that the guest's CPU offers x86-64-v%d: %v", w.MinX86Level, err))
		return nil
	}
	missing := missingFeatures(w.MinX86Level, features)
	if len(missing) == 0 {
		return nil
	}
	what := w.Release
	if what == "" {
		what = "this release"
	}
	cpu := cpuDescription(h)
	var fix string
	switch {
	case w.CPUModel != "":
		fix = fmt.Sprintf("set cpu_model to a model that has them (x86-64-v%d: Haswell-noTSX or newer for v3, Nehalem or newer for v2), or remove cpu_model", w.MinX86Level)
	case h.DomainType == "kvm":
		fix = "the host's processor is too old for it: build on a newer host, or set domain_type = \"qemu\" to emulate the CPU (slow)"
	default:
		fix = "this QEMU's software emulation (TCG) does not offer them: QEMU 7.2 or later does; or build on a host with KVM"
	}
	return fmt.Errorf("%s needs an x86-64-v%d CPU, but the guest's CPU (%s) lacks %s: its userland would not start and the guest would never reach SSH; %s",
		what, w.MinX86Level, cpu, strings.Join(missing, ", "), fix)
}

func cpuDescription(h Host) string {
	switch h.CPU {
	case "":
		return "QEMU's default, qemu64"
	case domainxml.CPUHostPassthrough:
		return "the host's, under KVM"
	case domainxml.CPUMaximum:
		return "the most " + h.DomainType + " can offer"
	}
	return "model " + h.CPU
}
