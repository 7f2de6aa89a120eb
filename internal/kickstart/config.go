//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,User
//go:generate go tool packer-sdc struct-markdown

package kickstart

import (
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Config is the `kickstart { ... }` block: what the generated kickstart
// installs and how it sets up the system. Every option has a default, so
// an empty block installs a minimal CentOS that the build reaches over SSH
// with its own key.
type Config struct {
	// The system language. Defaults to `en_US.UTF-8`.
	Lang string `mapstructure:"lang" required:"false"`
	// The console keyboard layout. Defaults to `us`.
	Keyboard string `mapstructure:"keyboard" required:"false"`
	// The time zone, e.g. `Europe/Berlin`. Defaults to `UTC`. The hardware
	// clock is kept in UTC either way.
	Timezone string `mapstructure:"timezone" required:"false"`
	// Root's password. The kickstart carries only its SHA-512 crypt hash,
	// with a new random salt each build, never the password itself. Without
	// `root_password` and `root_password_hash`, root's password is locked:
	// root can still log in with an SSH key, not with a password.
	RootPassword string `mapstructure:"root_password" required:"false"`
	// Root's password as an existing SHA-512 crypt hash (`$6$...`, e.g. from
	// `openssl passwd -6`), instead of `root_password`.
	RootPasswordHash string `mapstructure:"root_password_hash" required:"false"`
	// Let root log in over SSH with its password in the built image
	// (`rootpw --allow-ssh`). Only for `stream9` and `stream10`, whose sshd
	// otherwise refuses root passwords; sshd on 7 and `stream8` already
	// accepts them. Needs `root_password` or `root_password_hash`. The build
	// itself never logs in with a password.
	AllowRootSSH bool `mapstructure:"allow_root_ssh" required:"false"`
	// Accounts to create, one `user { ... }` block each. The build's SSH
	// user (`ssh_username`) must be `root` or one of them.
	Users []User `mapstructure:"user" required:"false"`
	// Packages to install, e.g. `["vim-enhanced", "tmux"]`.
	Packages []string `mapstructure:"packages" required:"false"`
	// Package groups to install, without the `@`, e.g. `["core"]`. An
	// environment starts with `^`, e.g. `["^minimal-environment"]`. Defaults
	// to `["core"]`.
	PackageGroups []string `mapstructure:"package_groups" required:"false"`
	// Packages not to install even if a group pulls them in, e.g.
	// `["iwl*-firmware"]`. `openssh-server` cannot be excluded: the build
	// connects over SSH.
	ExcludePackages []string `mapstructure:"exclude_packages" required:"false"`
	// How the disk is laid out, after wiping it: `autopart` (the default),
	// the installer's own layout on LVM; `plain`, the same without LVM; or
	// `simple`, a 1 GiB `/boot` and an xfs `/` filling the rest, plus
	// whatever partition the firmware needs (an EFI system partition, or a
	// BIOS boot partition on a GPT disk).
	Partitioning string `mapstructure:"partitioning" required:"false"`
	// SELinux mode: `enforcing` (the default), `permissive` or `disabled`.
	SELinux string `mapstructure:"selinux" required:"false"`
	// `enabled` (the default) or `disabled`.
	Firewall string `mapstructure:"firewall" required:"false"`
	// firewalld services to open while the firewall is enabled. Defaults to
	// `["ssh"]`; the list must keep `ssh`, which the build connects with.
	FirewallServices []string `mapstructure:"firewall_services" required:"false"`
	// systemd services to enable. `sshd` is always enabled.
	ServicesEnabled []string `mapstructure:"services_enabled" required:"false"`
	// systemd services to disable. `sshd` cannot be disabled.
	ServicesDisabled []string `mapstructure:"services_disabled" required:"false"`
	// Shell scripts run at the end of the installation, inside the
	// installed system, as root, in order; each becomes a `%post` section
	// whose output goes to `/root/ks-post-<n>.log` (n counts from 1) in the
	// image. A failing script fails the installation. The installer also
	// keeps a copy of the kickstart in the image (`/root/original-ks.cfg`
	// on Stream 8 and later), scripts included, so do not put secrets in
	// them, nor print any to the log.
	Post []string `mapstructure:"post" required:"false"`
	// What the installer does when it is done: `poweroff` (the default;
	// the builder then boots the installed disk) or `reboot`.
	Finish string `mapstructure:"finish" required:"false"`
	// Install from this package tree instead of the ISO (`url --url=...`),
	// for boot ISOs that carry no packages. Point it at the BaseOS tree,
	// e.g.
	// `https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/`; on
	// Stream the tree's `.treeinfo` names AppStream, which the installer
	// adds itself. Defaults to installing from the ISO (`cdrom`), which
	// needs a DVD ISO.
	RepoURL string `mapstructure:"repo_url" required:"false"`
}

// User is one `user { ... }` block of `kickstart`.
type User struct {
	// The login name.
	Name string `mapstructure:"name" required:"true"`
	// Supplementary groups, e.g. `["wheel"]`.
	Groups []string `mapstructure:"groups" required:"false"`
	// The user's password; as for `root_password`, the kickstart carries
	// only its SHA-512 crypt hash. Without `password` and `password_hash`
	// the account has no password and logs in with SSH keys only.
	Password string `mapstructure:"password" required:"false"`
	// The password as an existing SHA-512 crypt hash (`$6$...`), instead of
	// `password`.
	PasswordHash string `mapstructure:"password_hash" required:"false"`
	// authorized_keys lines for the user, e.g.
	// `["ssh-ed25519 AAAA... me@laptop"]`. The build's own key is added for
	// the SSH user.
	SSHAuthorizedKeys []string `mapstructure:"ssh_authorized_keys" required:"false"`
	// Let the user run any command with sudo without a password (a file in
	// `/etc/sudoers.d`). Set it for a non-root `ssh_username` whose
	// provisioners use sudo: the build never types a password.
	SudoNoPassword bool `mapstructure:"sudo_nopasswd" required:"false"`
}

// Values of the enumerated options; the first of each is the default.
var (
	partitionings = []string{"autopart", "plain", "simple"}
	selinuxModes  = []string{"enforcing", "permissive", "disabled"}
	firewallModes = []string{"enabled", "disabled"}
	finishes      = []string{"poweroff", "reboot"}
)

// withDefaults returns a copy of c with every empty option set to its
// default. The copy shares no slices with c that it changes.
func (c *Config) withDefaults() Config {
	d := *c
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&d.Lang, "en_US.UTF-8")
	def(&d.Keyboard, "us")
	def(&d.Timezone, "UTC")
	def(&d.Partitioning, partitionings[0])
	def(&d.SELinux, selinuxModes[0])
	def(&d.Firewall, firewallModes[0])
	def(&d.Finish, finishes[0])
	if len(d.PackageGroups) == 0 {
		d.PackageGroups = []string{"core"}
	}
	if len(d.FirewallServices) == 0 && d.Firewall == "enabled" {
		d.FirewallServices = []string{"ssh"}
	}
	return d
}

var (
	langPattern         = regexp.MustCompile(`^[A-Za-z]{1,8}(_[A-Za-z]{2,3})?(\.[A-Za-z0-9-]+)?(@[A-Za-z]+)?$`)
	keyboardPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.()-]*$`)
	timezonePattern     = regexp.MustCompile(`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`)
	accountPattern      = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	packagePattern      = regexp.MustCompile(`^[A-Za-z0-9_.+*?][A-Za-z0-9_.+*?:-]*$`)
	packageGroupPattern = regexp.MustCompile(`^\^?[A-Za-z0-9_][A-Za-z0-9_.+:-]*$`)
	unitPattern         = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_@.:-]*$`)
	firewalldPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	sshKeyPattern       = regexp.MustCompile(`^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^"\\\x00-\x1f]*)?$`)
	hostnamePattern     = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
)

// sectionWords start a line that would end a %post section early or pull
// in other content, so a script must not begin a line with one.
var sectionWords = []string{"%end", "%include", "%ksappend", "%packages", "%pre", "%pre-install", "%post", "%onerror", "%traceback", "%addon", "%anaconda", "%certificate"}

// Validate checks the configuration for the dialect and returns every
// problem, each naming the option and how to fix it. It changes nothing.
func (c *Config) Validate(d Dialect) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if d.RHEL == 0 {
		add("no kickstart dialect given; use DialectFor(centos_version)")
		return errs
	}
	v := c.withDefaults()

	if !langPattern.MatchString(v.Lang) {
		add("lang %q: use a locale such as \"en_US.UTF-8\"", v.Lang)
	}
	if !keyboardPattern.MatchString(v.Keyboard) {
		add("keyboard %q: use a console keymap such as \"us\" or \"de-nodeadkeys\"", v.Keyboard)
	}
	if !timezonePattern.MatchString(v.Timezone) {
		add("timezone %q: use a tz database name such as \"UTC\" or \"Europe/Berlin\"", v.Timezone)
	}

	errs = append(errs, checkPassword("root_password", v.RootPassword, "root_password_hash", v.RootPasswordHash)...)
	if v.AllowRootSSH {
		if !d.RootpwAllowSSH {
			add("allow_root_ssh: %s has no `rootpw --allow-ssh` (it came with CentOS Stream 9); remove the option, sshd on %s already lets root log in with a password", d.Name, d.Name)
		}
		if v.RootPassword == "" && v.RootPasswordHash == "" {
			add("allow_root_ssh: root has no password to log in with; set root_password or root_password_hash, or remove allow_root_ssh")
		}
	}

	errs = append(errs, v.checkUsers()...)
	errs = append(errs, v.checkPackages()...)

	if !slices.Contains(partitionings, v.Partitioning) {
		add("partitioning %q: use one of %s", v.Partitioning, quoteAll(partitionings))
	}
	if !slices.Contains(selinuxModes, v.SELinux) {
		add("selinux %q: use one of %s", v.SELinux, quoteAll(selinuxModes))
	}
	if !slices.Contains(finishes, v.Finish) {
		add("finish %q: use one of %s", v.Finish, quoteAll(finishes))
	}
	errs = append(errs, v.checkFirewall()...)
	errs = append(errs, v.checkServices()...)
	for i, script := range v.Post {
		errs = append(errs, checkScript(fmt.Sprintf("post[%d]", i), script)...)
	}
	if v.RepoURL != "" {
		if err := checkRepoURL(v.RepoURL); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// checkPassword checks a password/hash pair of options.
func checkPassword(pwField, pw, hashField, hash string) []error {
	var errs []error
	if pw != "" && hash != "" {
		errs = append(errs, fmt.Errorf("%s and %s are both set; use one", pwField, hashField))
	}
	if hash != "" && !IsSHA512Crypt(hash) {
		errs = append(errs, fmt.Errorf("%s is not a SHA-512 crypt hash (\"$6$<salt>$<86 characters>\"); make one with `openssl passwd -6`, or set %s instead", hashField, pwField))
	}
	return errs
}

func (c *Config) checkUsers() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	seen := map[string]bool{}
	for i, u := range c.Users {
		field := fmt.Sprintf("user[%d]", i)
		switch {
		case u.Name == "":
			add("%s.name is empty; every user block needs a name", field)
		case u.Name == "root":
			add("%s.name \"root\": root always exists; use root_password for its password and ssh_username = \"root\" to build as root", field)
		case !accountPattern.MatchString(u.Name):
			add("%s.name %q: use 1-32 lower-case letters, digits, '_' and '-', starting with a letter or '_'", field, u.Name)
		case seen[u.Name]:
			add("%s.name %q: the user is defined twice; merge the blocks", field, u.Name)
		}
		seen[u.Name] = true
		for _, g := range u.Groups {
			if !accountPattern.MatchString(g) {
				add("%s.groups: %q is not a group name; use lower-case letters, digits, '_' and '-'", field, g)
			}
		}
		errs = append(errs, checkPassword(field+".password", u.Password, field+".password_hash", u.PasswordHash)...)
		for j, k := range u.SSHAuthorizedKeys {
			if err := checkSSHKey(k); err != nil {
				add("%s.ssh_authorized_keys[%d]: %v", field, j, err)
			}
		}
		if u.SudoNoPassword && slices.Contains(c.ExcludePackages, "sudo") {
			add("%s.sudo_nopasswd needs sudo, which exclude_packages removes; keep one of them", field)
		}
	}
	return errs
}

func (c *Config) checkPackages() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, p := range c.Packages {
		if !packagePattern.MatchString(p) {
			add("packages: %q is not a package name; list bare names (globs allowed), groups go in package_groups and exclusions in exclude_packages", p)
		} else if slices.Contains(c.ExcludePackages, p) {
			add("packages: %q is also in exclude_packages; remove it from one of them", p)
		}
	}
	for _, g := range c.PackageGroups {
		if !packageGroupPattern.MatchString(g) {
			add("package_groups: %q is not a group id; use ids such as \"core\" without the '@', and \"^name\" for an environment", g)
		}
	}
	for _, p := range c.ExcludePackages {
		if !packagePattern.MatchString(p) {
			add("exclude_packages: %q is not a package name; list bare names without the '-'", p)
		}
		if p == "openssh-server" {
			add("exclude_packages: openssh-server is needed, the build connects over SSH; remove it from exclude_packages")
		}
	}
	return errs
}

func (c *Config) checkFirewall() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Firewall {
	case "enabled":
		for _, s := range c.FirewallServices {
			if !firewalldPattern.MatchString(s) {
				add("firewall_services: %q is not a firewalld service name; see `firewall-cmd --get-services`", s)
			}
		}
		if !slices.Contains(c.FirewallServices, "ssh") {
			add("firewall_services must include \"ssh\": the build connects over SSH; add it, or set firewall = \"disabled\"")
		}
	case "disabled":
		if len(c.FirewallServices) > 0 {
			add("firewall_services is set but firewall is \"disabled\"; remove firewall_services or enable the firewall")
		}
	default:
		add("firewall %q: use one of %s", c.Firewall, quoteAll(firewallModes))
	}
	return errs
}

func (c *Config) checkServices() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, s := range c.ServicesEnabled {
		if !unitPattern.MatchString(s) {
			add("services_enabled: %q is not a systemd unit name", s)
		}
	}
	for _, s := range c.ServicesDisabled {
		if !unitPattern.MatchString(s) {
			add("services_disabled: %q is not a systemd unit name", s)
		}
		if s == "sshd" {
			add("services_disabled: sshd is needed, the build connects over SSH; disable it in a provisioner at the end of the build instead")
		}
		if slices.Contains(c.ServicesEnabled, s) {
			add("services_disabled: %q is also in services_enabled; remove it from one of them", s)
		}
	}
	return errs
}

// checkScript checks one %post script body.
func checkScript(field, script string) []error {
	var errs []error
	if strings.TrimSpace(script) == "" {
		errs = append(errs, fmt.Errorf("%s is empty; remove it", field))
	}
	for i, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && slices.Contains(sectionWords, f[0]) {
			errs = append(errs, fmt.Errorf("%s line %d starts with %q, which the installer reads as kickstart syntax, not as part of the script (indenting does not help); rewrite the line, e.g. quote the word", field, i+1, f[0]))
		}
		// Lint refuses --plaintext anywhere in a kickstart, scripts too.
		if len(f) > 0 && !strings.HasPrefix(f[0], "#") && slices.Contains(f, "--plaintext") {
			errs = append(errs, fmt.Errorf("%s line %d passes --plaintext: no plaintext password may reach the guest; set passwords from a hash (e.g. `usermod -p '<$6$ hash>'`) or with the user blocks", field, i+1))
		}
	}
	return errs
}

func checkRepoURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("repo_url %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp") || u.Host == "" {
		return fmt.Errorf("repo_url %q: use an http, https or ftp URL of a package tree, e.g. \"https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/\"", s)
	}
	if strings.ContainsAny(s, "\" \t\n") {
		return fmt.Errorf("repo_url %q: percent-encode spaces and quotes", s)
	}
	return nil
}

func checkSSHKey(k string) error {
	if !sshKeyPattern.MatchString(k) {
		return fmt.Errorf("%q is not a single authorized_keys line \"<type> <base64> [comment]\" (no options, quotes or backslashes)", shorten(k))
	}
	return nil
}

// CheckSSHUsername tells whether the build can log in as name: root, or
// one of the users.
func (c *Config) CheckSSHUsername(name string) error {
	if name == "root" {
		return nil
	}
	for _, u := range c.Users {
		if u.Name == name {
			return nil
		}
	}
	return fmt.Errorf("ssh_username %q is neither root nor a kickstart user; add a `user { name = %q }` block to kickstart, or build as root", name, name)
}

// RootHash returns what goes after `rootpw --iscrypted`: the hash of
// root_password (salt from random, nil meaning crypto/rand), or
// root_password_hash, or "" when root has no password. User templates get
// it as {{ .RootPasswordHash }}.
func (c *Config) RootHash(random io.Reader) (string, error) {
	return hashOrGiven(c.RootPassword, c.RootPasswordHash, random)
}

func hashOrGiven(pw, hash string, random io.Reader) (string, error) {
	switch {
	case hash != "":
		return hash, nil
	case pw != "":
		return HashPassword(pw, random)
	}
	return "", nil
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// shorten keeps error messages readable when a whole key is pasted wrong.
func shorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
