package verify

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// commandFlag is a post-processor option as a flag of the centos-verify
// command: its name on the command line, its key in the post-processor
// block, and the default the post-processor applies when it is not given
// (TestCommandFlagDefaults holds the two together).
type commandFlag struct {
	name, key string
	kind      flagKind
	def       string
	usage     string
}

type flagKind int

const (
	flagString flagKind = iota
	flagInt
	flagBool
	flagDuration
	flagList
)

var commandFlags = []commandFlag{
	{"spec", "spec", flagString, "", "spec `FILE`: verify.hcl, or verify.json in HCL's JSON syntax"},
	{"junit", "report_junit", flagString, "", "write a JUnit XML report to `FILE`"},
	{"json", "report_json", flagString, "", "write a JSON report to `FILE`"},
	{"html", "report_html", flagString, "", "write a self-contained HTML report (verdict, checks, console tail, timeline) to `FILE`"},
	{"libvirt-uri", "libvirt_uri", flagString, "qemu:///system", "libvirt connection `URI`; remote URIs (qemu+ssh://…) upload the image to storage-pool"},
	{"network", "network", flagString, "default", "libvirt `NETWORK` the guest joins"},
	{"storage-pool", "storage_pool", flagString, "", "libvirt storage `POOL` for the throwaway overlay (\"default\" for remote URIs; empty: a temp directory)"},
	{"domain-type", "domain_type", flagString, "auto", "`TYPE`: auto (KVM when usable, else TCG with a warning), kvm or qemu"},
	{"machine-type", "machine_type", flagString, "pc", "QEMU machine `TYPE`"},
	{"cpus", "cpus", flagInt, "2", "`N` guest vCPUs"},
	{"memory", "memory", flagInt, "2048", "guest memory in `MiB`"},
	{"firmware", "firmware", flagString, "bios", "`FIRMWARE`: bios or efi"},
	{"cpu-model", "cpu_model", flagString, "", "CPU `MODEL` (empty: the host's under KVM, what the release needs under TCG)"},
	{"centos-version", "", flagString, "", "the image's CentOS `RELEASE` (7, stream8, stream9, stream10): its CPU level is checked before boot"},
	{"ssh-username", "ssh_username", flagString, "root", "`USER` to log in as; with cloud-init it gets a temporary key (password: $CENTOS_VERIFY_SSH_PASSWORD)"},
	{"ssh-private-key-file", "ssh_private_key_file", flagString, "", "private key `FILE` for ssh-username, for images verified without cloud-init"},
	{"ssh-timeout", "ssh_timeout", flagDuration, "5m0s", "how long (a `DURATION`) the guest may take to accept SSH"},
	{"cloud-init", "cloud_init", flagBool, "true", "give the guest a NoCloud seed with a fresh instance-id and a temporary key"},
	{"reboot", "reboot", flagBool, "true", "reboot after the checks and run second_boot"},
	{"parallel", "parallel", flagInt, "4", "`N` checks run at once, 1 to 16"},
	{"check-timeout", "check_timeout", flagDuration, "30s", "`DURATION` a check may take unless it sets its own"},
	{"max-boot-seconds", "max_boot_seconds", flagInt, "300", "most `SECONDS` from power-on to SSH the boot_time check allows"},
	{"disable-checks", "disable_checks", flagList, "", "built-in checks to leave out, a comma-separated `LIST` (e.g. no_avc_denials,boot_time)"},
	{"shutdown-timeout", "shutdown_timeout", flagDuration, "1m0s", "how long (a `DURATION`) the guest may take to power off before it is forced off"},
}

// passwordEnv holds the SSH password for the command: a flag would show
// it in every process listing.
const passwordEnv = "CENTOS_VERIFY_SSH_PASSWORD"

// CommandOptions is what the centos-verify command's flags say.
type CommandOptions struct {
	// Config is the post-processor configuration, for Configure.
	Config map[string]interface{}
	// CentOSVersion is the image's release, if given.
	CentOSVersion string
}

// RegisterCommandFlags defines the centos-verify command's flags on fs,
// one per post-processor option it mirrors, with the post-processor's
// defaults in their help. The returned function turns the parsed flags
// into the post-processor's configuration: only flags given on the
// command line are set, so every default is the post-processor's own.
func RegisterCommandFlags(fs *flag.FlagSet) func() (CommandOptions, error) {
	values := map[string]*string{}
	for _, f := range commandFlags {
		usage := f.usage
		if f.def != "" {
			usage += " (default " + f.def + ")"
		}
		values[f.name] = new(string)
		if f.kind == flagBool {
			fs.Var(boolFlag{stringFlag{values[f.name]}}, f.name, usage)
		} else {
			fs.Var(stringFlag{values[f.name]}, f.name, usage)
		}
	}
	return func() (CommandOptions, error) {
		opts := CommandOptions{Config: map[string]interface{}{}}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		var errs []string
		for _, f := range commandFlags {
			if !set[f.name] {
				continue
			}
			v := *values[f.name]
			if f.key == "" {
				opts.CentOSVersion = v
				continue
			}
			typed, err := f.parse(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("--%s %q: %v", f.name, v, err))
				continue
			}
			opts.Config[f.key] = typed
		}
		if pw := os.Getenv(passwordEnv); pw != "" {
			opts.Config["ssh_password"] = pw
			packersdk.LogSecretFilter.Set(pw)
		}
		if len(errs) > 0 {
			return opts, fmt.Errorf("%s", strings.Join(errs, "\n"))
		}
		return opts, nil
	}
}

func (f commandFlag) parse(v string) (interface{}, error) {
	switch f.kind {
	case flagInt:
		return strconv.Atoi(v)
	case flagBool:
		return strconv.ParseBool(v)
	case flagDuration:
		if _, err := time.ParseDuration(v); err != nil {
			return nil, err
		}
		return v, nil
	case flagList:
		var list []string
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		return list, nil
	}
	return v, nil
}

type stringFlag struct{ v *string }

func (s stringFlag) String() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}
func (s stringFlag) Set(v string) error { *s.v = v; return nil }

// boolFlag takes "--reboot" and "--reboot=false".
type boolFlag struct{ stringFlag }

func (b boolFlag) IsBoolFlag() bool { return true }

func (b boolFlag) Set(v string) error {
	if _, err := strconv.ParseBool(v); err != nil {
		return fmt.Errorf("want true or false")
	}
	*b.v = v
	return nil
}
