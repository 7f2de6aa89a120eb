// Package kickstart writes and checks the kickstart file that drives an
// unattended CentOS installation from an ISO: a kickstart generated from the
// builder's `kickstart { ... }` block, or the user's own file rendered as a
// template. Both go through the same lint, which knows what each CentOS
// release's installer (Anaconda) removed, and which refuses plaintext
// passwords, so that none is ever served to a guest.
package kickstart

import (
	"fmt"
	"strings"
)

// Dialect is the kickstart syntax one CentOS release's installer accepts.
// The differences come from pykickstart's RHEL7..RHEL10 handlers (ksverdiff
// and ksvalidator, pykickstart 3.74); CentOS 7 and CentOS Stream N follow
// RHEL 7 and RHEL N.
type Dialect struct {
	// Version is the builder's `centos_version` value: "7", "stream8",
	// "stream9" or "stream10".
	Version string
	// Name is how people call the release, e.g. "CentOS Stream 9".
	Name string
	// RHEL is the RHEL major release the dialect follows.
	RHEL int
	// KickstartArg is the kernel argument that points the installer at the
	// kickstart. "inst.ks" on every release: CentOS 7 also reads the
	// unprefixed "ks", Stream 8 warns about it and Stream 9 dropped it.
	KickstartArg string
	// TextArg is the kernel argument for the text-mode installer, with the
	// "inst." prefix for the same reason ("text" alone stopped working on
	// Stream 9).
	TextArg string
	// SSHKey tells whether the `sshkey` command exists. pykickstart gave
	// RHEL 7 the command in February 2016 (rhel7-branch commit 22ab7702,
	// rhbz#1311755), so RHEL 7.3 is the first minor release that can have
	// it; the exact minor is unconfirmed. The plugin's only CentOS 7 media
	// is 7.9 (2009), so the dialect for 7 says yes.
	SSHKey bool
	// RootpwAllowSSH tells whether `rootpw --allow-ssh` exists. It arrived in
	// RHEL 9.1; CentOS Stream 9 is past 9.1.
	RootpwAllowSSH bool
}

// dialects is ordered oldest first.
var dialects = []Dialect{
	{Version: "7", Name: "CentOS 7", RHEL: 7, KickstartArg: "inst.ks", TextArg: "inst.text", SSHKey: true},
	{Version: "stream8", Name: "CentOS Stream 8", RHEL: 8, KickstartArg: "inst.ks", TextArg: "inst.text", SSHKey: true},
	{Version: "stream9", Name: "CentOS Stream 9", RHEL: 9, KickstartArg: "inst.ks", TextArg: "inst.text", SSHKey: true, RootpwAllowSSH: true},
	{Version: "stream10", Name: "CentOS Stream 10", RHEL: 10, KickstartArg: "inst.ks", TextArg: "inst.text", SSHKey: true, RootpwAllowSSH: true},
}

// DialectFor returns the dialect of a `centos_version` value.
func DialectFor(version string) (Dialect, error) {
	for _, d := range dialects {
		if d.Version == version {
			return d, nil
		}
	}
	var known []string
	for _, d := range dialects {
		known = append(known, fmt.Sprintf("%q", d.Version))
	}
	return Dialect{}, fmt.Errorf("no kickstart dialect for centos_version %q; known: %s", version, strings.Join(known, ", "))
}

// Dialects lists every dialect, oldest release first.
func Dialects() []Dialect {
	return append([]Dialect(nil), dialects...)
}

// BootArguments returns the kernel arguments that start a text-mode
// installation from the kickstart at url, e.g.
// "inst.text inst.ks=http://10.0.2.2:8080/ks.cfg".
func (d Dialect) BootArguments(url string) string {
	return d.TextArg + " " + d.KickstartArg + "=" + url
}

// Supports tells whether the installer of d accepts the kickstart command.
// It knows the commands that were removed or added between RHEL 7 and
// RHEL 10; any other name is reported as supported.
func (d Dialect) Supports(command string) bool {
	return d.change(command, "") == nil
}

// SupportsOption tells whether the installer of d accepts option (e.g.
// "--nobase") on command (e.g. "%packages"). Like Supports, it knows only
// the options that changed between RHEL 7 and RHEL 10.
func (d Dialect) SupportsOption(command, option string) bool {
	return d.change(command, option) == nil
}

// change returns the rule that makes command (or its option, when option
// is not empty) unavailable in d, or nil.
func (d Dialect) change(command, option string) *change {
	for i := range changes {
		c := &changes[i]
		if c.command != command || c.option != option {
			continue
		}
		if (c.removed != 0 && d.RHEL >= c.removed) || d.RHEL < c.added {
			return c
		}
	}
	return nil
}

// change records one command or option that is not in every release.
type change struct {
	command string
	// option is empty when the rule is about the whole command.
	option string
	// added is the first RHEL major release with it, 0 for "always there".
	added int
	// removed is the first RHEL major release without it, 0 for "still
	// there".
	removed int
	// fix tells the user what to do instead.
	fix string
}

// changes is from pykickstart 3.74's ksverdiff between RHEL7, RHEL8, RHEL9
// and RHEL10. Commands that are only deprecated still work and are not
// listed. zipl (s390 only) is left out.
var changes = []change{
	{command: "unsupported_hardware", removed: 8, fix: "delete the line; the installer no longer asks about unsupported hardware"},
	{command: "upgrade", removed: 8, fix: "delete the line; the installer only does fresh installs"},
	{command: "install", removed: 9, fix: "delete the line; installing is the installer's only mode"},
	{command: "device", removed: 9, fix: "delete the line; load drivers with inst.dd instead"},
	{command: "deviceprobe", removed: 9, fix: "delete the line"},
	{command: "dmraid", removed: 9, fix: "delete the line"},
	{command: "multipath", removed: 9, fix: "delete the line"},
	{command: "auth", removed: 10, fix: "use authselect (e.g. `authselect select minimal`) or delete the line; shadow passwords with SHA-512 are the default"},
	{command: "authconfig", removed: 10, fix: "use authselect (e.g. `authselect select minimal`) or delete the line; shadow passwords with SHA-512 are the default"},
	{command: "autostep", removed: 10, fix: "delete the line"},
	{command: "btrfs", removed: 10, fix: "use xfs or ext4 partitions or LVM"},
	{command: "method", removed: 10, fix: "use `cdrom`, `url` or `harddrive` on its own"},
	{command: "nvdimm", removed: 10, fix: "delete the line"},
	{command: "%packages", option: "--nobase", removed: 8, fix: "delete --nobase; %packages installs @core plus what it lists"},
	{command: "bootloader", option: "--upgrade", removed: 9, fix: "delete the option"},
	{command: "harddrive", option: "--biospart", removed: 9, fix: "use --partition"},
	{command: "ignoredisk", option: "--interactive", removed: 9, fix: "delete the option"},
	{command: "part", option: "--active", removed: 9, fix: "delete the option"},
	{command: "partition", option: "--active", removed: 9, fix: "delete the option"},
	{command: "timezone", option: "--isUtc", removed: 10, fix: "use --utc"},
	{command: "timezone", option: "--ntpservers", removed: 10, fix: "use `timesource --ntp-server=...`"},
	{command: "timezone", option: "--nontp", removed: 10, fix: "use `timesource --ntp-disable`"},
	{command: "logging", option: "--level", removed: 10, fix: "delete the option"},
	{command: "repo", option: "--ignoregroups", removed: 10, fix: "delete the option"},

	{command: "authselect", added: 8, fix: "use `authconfig` on CentOS 7"},
	{command: "module", added: 8, fix: "delete the line; CentOS 7 has no modules"},
	{command: "mount", added: 8, fix: "use `part --onpart=... --noformat`"},
	{command: "rhsm", added: 8, fix: "delete the line"},
	{command: "syspurpose", added: 8, fix: "delete the line"},
	{command: "timesource", added: 9, fix: "use `timezone --ntpservers=...`"},
	{command: "ostreecontainer", added: 9, fix: "delete the line"},
	{command: "bootc", added: 10, fix: "delete the line"},
	{command: "rdp", added: 10, fix: "use `vnc`"},
	{command: "firewall", option: "--use-system-defaults", added: 8, fix: "use `firewall --enabled --service=...`"},
	{command: "rootpw", option: "--allow-ssh", added: 9, fix: "delete the option; sshd on CentOS 7 and Stream 8 already lets root log in with a password"},
	{command: "autopart", option: "--hibernation", added: 10, fix: "delete the option"},
	{command: "bootloader", option: "--sdboot", added: 10, fix: "delete the option"},
}
