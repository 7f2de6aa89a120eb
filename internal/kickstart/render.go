package kickstart

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// RenderInput is what the builder knows about the build, beside the
// kickstart block.
type RenderInput struct {
	// SSHUsername is the communicator's user, root or one of the users.
	SSHUsername string
	// SSHPublicKey is the build's public key as one authorized_keys line;
	// the kickstart installs it for SSHUsername with `sshkey`.
	SSHPublicKey string
	// Hostname is the installed system's host name.
	Hostname string
	// Random supplies the salts of password hashes; nil means crypto/rand.
	Random io.Reader
}

// bootloaderAppend puts the kernel's console on the first serial port as
// well, which is where the builder reads the guest's output from.
const bootloaderAppend = "console=tty0 console=ttyS0,115200"

// Render writes the kickstart for d. It validates c and in first and
// returns every problem at once. The output depends only on its inputs
// (the salts come from in.Random), with commands in a fixed order, and it
// passes Lint for d.
func (c *Config) Render(d Dialect, in RenderInput) ([]byte, error) {
	errs := c.Validate(d)
	errs = append(errs, c.checkInput(in)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("kickstart for %s: %w", nameOf(d), errors.Join(errs...))
	}
	v := c.withDefaults()
	var w ksWriter
	w.line("# Kickstart for %s (RHEL %d syntax), written by packer-plugin-centos.", d.Name, d.RHEL)
	w.line("# Passwords appear only as SHA-512 crypt hashes.")
	v.writeInstaller(&w)
	w.blank()
	v.writeSystem(&w, in.Hostname)
	w.blank()
	if err := v.writeAccounts(&w, in); err != nil {
		return nil, fmt.Errorf("kickstart for %s: %w", d.Name, err)
	}
	w.blank()
	v.writeDisk(&w)
	w.blank()
	v.writeFinish(&w)
	w.blank()
	v.writePackages(&w)
	v.writeMoreKeys(&w, in)
	v.writeSudoers(&w)
	v.writePost(&w)

	out := []byte(w.String())
	if problems := Lint(d, out); len(problems) > 0 {
		return nil, fmt.Errorf("kickstart for %s fails its own lint, a bug in the plugin: %w", d.Name, errors.Join(problems...))
	}
	return out, nil
}

// writeInstaller writes how the installer runs and where it installs from.
func (c *Config) writeInstaller(w *ksWriter) {
	w.line("text")
	w.line("skipx")
	w.line("firstboot --disabled")
	if c.RepoURL != "" {
		// checkRepoURL let no quote or space through.
		w.line(`url --url="%s"`, c.RepoURL)
	} else {
		w.line("cdrom")
	}
}

// writeSystem writes locale, network and security settings.
func (c *Config) writeSystem(w *ksWriter, hostname string) {
	w.line("lang %s", c.Lang)
	w.line("keyboard %s", c.Keyboard)
	w.line("timezone %s --utc", c.Timezone)
	w.line("network --bootproto=dhcp --device=link --activate --hostname=%s", hostname)
	w.blank()
	w.line("selinux --%s", c.SELinux)
	if c.Firewall == "enabled" {
		w.line("firewall --enabled --service=%s", strings.Join(c.FirewallServices, ","))
	} else {
		w.line("firewall --disabled")
	}
	w.line("services %s", c.servicesArgs())
}

// writeDisk wipes the disk and lays it out.
func (c *Config) writeDisk(w *ksWriter) {
	w.line("zerombr")
	w.line("clearpart --all --initlabel")
	w.line(`bootloader --location=mbr --append="%s"`, bootloaderAppend)
	switch c.Partitioning {
	case "autopart":
		w.line("autopart --type=lvm")
	case "plain":
		w.line("autopart --type=plain")
	case "simple":
		// reqpart adds what the firmware needs: an EFI system partition
		// under UEFI, a 1 MiB biosboot partition for BIOS on a GPT disk.
		w.line("reqpart")
		w.line("part /boot --fstype=xfs --size=1024")
		w.line("part / --fstype=xfs --size=1 --grow")
	}
}

func (c *Config) writeFinish(w *ksWriter) {
	if c.Finish == "reboot" && c.RepoURL == "" {
		// Without the DVD in the drive the next boot is from the disk.
		w.line("reboot --eject")
		return
	}
	w.line("%s", c.Finish)
}

func (c *Config) writePackages(w *ksWriter) {
	w.line("%%packages")
	for _, g := range c.PackageGroups {
		w.line("@%s", g)
	}
	for _, p := range c.Packages {
		w.line("%s", p)
	}
	for _, p := range c.ExcludePackages {
		w.line("-%s", p)
	}
	w.line("%%end")
}

// writePost writes the user's scripts, each logging to its own file so
// that no script's output overwrites another's.
func (c *Config) writePost(w *ksWriter) {
	for i, script := range c.Post {
		w.blank()
		w.line("%%post --erroronfail --log=/root/ks-post-%d.log", i+1)
		w.line("%s", strings.TrimRight(script, "\r\n"))
		w.line("%%end")
	}
}

func nameOf(d Dialect) string {
	if d.Name == "" {
		return "an unknown release"
	}
	return d.Name
}

// checkInput checks what the builder passes in.
func (c *Config) checkInput(in RenderInput) []error {
	var errs []error
	if in.SSHUsername == "" {
		errs = append(errs, fmt.Errorf("no SSH user given; set ssh_username"))
	} else if err := c.CheckSSHUsername(in.SSHUsername); err != nil {
		errs = append(errs, err)
	}
	if err := checkSSHKey(in.SSHPublicKey); err != nil {
		errs = append(errs, fmt.Errorf("the build's SSH public key: %w", err))
	}
	if !hostnamePattern.MatchString(in.Hostname) {
		errs = append(errs, fmt.Errorf("hostname %q: use 1-63 letters, digits and '-', not starting or ending with '-'", in.Hostname))
	}
	return errs
}

func (c *Config) servicesArgs() string {
	enabled := []string{"sshd"}
	for _, s := range c.ServicesEnabled {
		if s != "sshd" {
			enabled = append(enabled, s)
		}
	}
	args := "--enabled=" + strings.Join(enabled, ",")
	if len(c.ServicesDisabled) > 0 {
		args += " --disabled=" + strings.Join(c.ServicesDisabled, ",")
	}
	return args
}

// writeAccounts writes rootpw, the users and their SSH keys. Hashes are
// made in a fixed order (root, then users in order), so a fixed Random
// gives a fixed output.
func (c *Config) writeAccounts(w *ksWriter, in RenderInput) error {
	rootHash, err := c.RootHash(in.Random)
	if err != nil {
		return fmt.Errorf("root password: %w", err)
	}
	switch {
	case rootHash == "":
		w.line("rootpw --lock")
	case c.AllowRootSSH:
		w.line("rootpw --iscrypted --allow-ssh %s", rootHash)
	default:
		w.line("rootpw --iscrypted %s", rootHash)
	}
	for i, u := range c.Users {
		hash, err := hashOrGiven(u.Password, u.PasswordHash, in.Random)
		if err != nil {
			return fmt.Errorf("user[%d] password: %w", i, err)
		}
		args := "--name=" + u.Name
		if len(u.Groups) > 0 {
			args += " --groups=" + strings.Join(u.Groups, ",")
		}
		if hash != "" {
			args += " --iscrypted --password=" + hash
		}
		w.line("user %s", args)
	}

	for _, uk := range c.keysByUser(in) {
		// checkSSHKey let no quote or backslash through.
		w.line(`sshkey --username=%s "%s"`, uk.user, uk.keys[0])
	}
	return nil
}

// userKeys is a user's authorized_keys lines, in order.
type userKeys struct {
	user string
	keys []string
}

// keysByUser lists each user's keys, each once: the build's key first for
// the SSH user, then the users' own keys.
func (c *Config) keysByUser(in RenderInput) []userKeys {
	var out []userKeys
	add := func(user, key string) {
		for i := range out {
			if out[i].user == user {
				if !slices.Contains(out[i].keys, key) {
					out[i].keys = append(out[i].keys, key)
				}
				return
			}
		}
		out = append(out, userKeys{user, []string{key}})
	}
	add(in.SSHUsername, in.SSHPublicKey)
	for _, u := range c.Users {
		for _, k := range u.SSHAuthorizedKeys {
			add(u.Name, k)
		}
	}
	return out
}

// writeMoreKeys appends the keys after each user's first to its
// authorized_keys in a %post section. The installer takes one `sshkey` per
// user (pykickstart warns about a second one, and ksvalidator fails), and
// it has written that one, and so the .ssh directory, before %post runs.
func (c *Config) writeMoreKeys(w *ksWriter, in RenderInput) {
	var more []userKeys
	for _, uk := range c.keysByUser(in) {
		if len(uk.keys) > 1 {
			more = append(more, userKeys{uk.user, uk.keys[1:]})
		}
	}
	if len(more) == 0 {
		return
	}
	w.blank()
	w.line("%%post --erroronfail --log=/root/ks-post-sshkeys.log")
	for _, uk := range more {
		w.line(`cat >> "$(getent passwd %s | cut -d: -f6)/.ssh/authorized_keys" <<'EOF'`, uk.user)
		for _, k := range uk.keys {
			w.line("%s", k)
		}
		w.line("EOF")
	}
	w.line("%%end")
}

// writeSudoers writes one %post section that gives the sudo_nopasswd users
// password-less sudo, also without a TTY: Packer's provisioners run
// without one and CentOS 7's sudoers may still say requiretty.
func (c *Config) writeSudoers(w *ksWriter) {
	var users []string
	for _, u := range c.Users {
		if u.SudoNoPassword {
			users = append(users, u.Name)
		}
	}
	if len(users) == 0 {
		return
	}
	w.blank()
	w.line("%%post --erroronfail --log=/root/ks-post-sudoers.log")
	for _, u := range users {
		f := "/etc/sudoers.d/" + u
		w.line("cat > %s <<'EOF'", f)
		w.line("Defaults:%s !requiretty", u)
		w.line("%s ALL=(ALL) NOPASSWD: ALL", u)
		w.line("EOF")
		w.line("chmod 0440 %s", f)
	}
	w.line("%%end")
}

// ksWriter collects kickstart lines.
type ksWriter struct{ b strings.Builder }

func (w *ksWriter) line(format string, a ...any) {
	fmt.Fprintf(&w.b, format, a...)
	w.b.WriteByte('\n')
}

func (w *ksWriter) blank() { w.b.WriteByte('\n') }

func (w *ksWriter) String() string { return w.b.String() }
