package libvirt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
)

// minimal is the smallest valid custom-image configuration.
func minimal(t *testing.T) map[string]interface{} {
	t.Helper()
	img := filepath.Join(t.TempDir(), "base.qcow2")
	if err := os.WriteFile(img, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]interface{}{
		"packer_build_name":     "test",
		"source_image_url":      img,
		"source_image_checksum": "sha256:" + strings.Repeat("ab", 32),
		"ssh_username":          "root",
	}
}

func prepare(raw map[string]interface{}) (*Config, []string, error) {
	var c Config
	warnings, err := c.Prepare(raw)
	return &c, warnings, err
}

func TestPrepareDefaults(t *testing.T) {
	c, _, err := prepare(minimal(t))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want interface{}
	}{
		{"libvirt_uri", c.LibvirtURI, "qemu:///system"},
		{"domain_type", c.DomainType, "auto"},
		{"network", c.Network, "default"},
		{"vm_name", c.VMName, "test"},
		{"machine_type", c.MachineType, "pc"},
		{"cpus", c.CPUs, 2},
		{"memory", c.Memory, 2048},
		{"firmware", c.Firmware, "bios"},
		{"format", c.Format, "qcow2"},
		{"disk_compression", c.DiskCompression, "zstd"},
		{"output_directory", c.OutputDirectory, "output-test"},
		{"shutdown_timeout", c.ShutdownTimeout, 5 * time.Minute},
		{"hostname", c.Hostname, "test"},
		{"temporary_key_pair_type", c.Comm.SSHTemporaryKeyPairType, "ed25519"},
		{"reclaim", c.Reclaims(), true},
		{"image_cache", c.Caches(), true},
		{"image_cache_size", c.MaxBytes(), int64(20 << 30)},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

// A preset is resolved when the build starts (stepResolveSource); Prepare
// only settles the query and the preset's defaults.
func TestPreparePresets(t *testing.T) {
	tests := []struct {
		version, firmware, compose, mirror string
		wantFirmware, wantMirror, user     string
		warns                              bool
	}{
		{"stream9", "", "", "", "bios", "https://cloud.centos.org/", "cloud-user", false},
		{"stream10", "efi", "20250812.0", "http://mirror.example/centos-cloud", "efi", "http://mirror.example/centos-cloud/", "cloud-user", false},
		{"7", "", "2211", "", "bios", "https://cloud.centos.org/", "centos", true},
		{"stream8", "", "", "/srv/mirror", "bios", "/srv/mirror/", "centos", true},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			raw := map[string]interface{}{"packer_build_name": tt.version, "centos_version": tt.version,
				"centos_compose": tt.compose, "centos_mirror": tt.mirror}
			if tt.firmware != "" {
				raw["firmware"] = tt.firmware
			}
			c, warnings, err := prepare(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.SourceImageURLs) != 0 || c.SourceImageChecksum != "" {
				t.Errorf("source URLs %v, checksum %q: want none before the build resolves the preset", c.SourceImageURLs, c.SourceImageChecksum)
			}
			want := centos.Query{Version: tt.version, Arch: "x86_64", Firmware: tt.wantFirmware, Compose: tt.compose, Mirror: tt.wantMirror}
			if c.preset == nil || *c.preset != want {
				t.Errorf("preset = %+v, want %+v", c.preset, want)
			}
			if c.Comm.SSHUsername != tt.user {
				t.Errorf("ssh_username = %q, want %q", c.Comm.SSHUsername, tt.user)
			}
			if gotWarn := len(warnings) > 0; gotWarn != tt.warns {
				t.Errorf("warnings = %v, want end-of-life warning: %v", warnings, tt.warns)
			}
		})
	}
}

func TestPreparePresetWithOwnMirror(t *testing.T) {
	raw := map[string]interface{}{
		"packer_build_name":     "m",
		"centos_version":        "stream9",
		"source_image_url":      "https://mirror.example.com/CentOS-Stream-GenericCloud-9-20260720.0.x86_64.qcow2",
		"source_image_checksum": "https://mirror.example.com/CHECKSUM",
	}
	c, _, err := prepare(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.SourceImageURLs[0] != raw["source_image_url"] || c.SourceImageChecksum != "file:https://mirror.example.com/CHECKSUM" {
		t.Errorf("got %v / %q; the mirror URL and its checksum file must win over the preset", c.SourceImageURLs, c.SourceImageChecksum)
	}
	if c.Comm.SSHUsername != "cloud-user" {
		t.Errorf("ssh_username = %q, want the preset's cloud-user", c.Comm.SSHUsername)
	}
}

func TestPrepareChecksumForms(t *testing.T) {
	hex64 := strings.Repeat("0f", 32)
	tests := map[string]string{
		hex64:                              "sha256:" + hex64,
		"SHA256:" + strings.ToUpper(hex64): "sha256:" + hex64,
		"md5:" + strings.Repeat("a", 32):   "md5:" + strings.Repeat("a", 32),
		"file:/srv/SHA256SUMS":             "file:/srv/SHA256SUMS",
		"https://x.example/CHECKSUM":       "file:https://x.example/CHECKSUM",
		"none":                             "none",
	}
	for in, want := range tests {
		raw := minimal(t)
		raw["source_image_checksum"] = in
		c, _, err := prepare(raw)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if c.SourceImageChecksum != want {
			t.Errorf("%q normalised to %q, want %q", in, c.SourceImageChecksum, want)
		}
	}
}

func TestPrepareRejects(t *testing.T) {
	userDataFile := filepath.Join(t.TempDir(), "ud")
	if err := os.WriteFile(userDataFile, []byte("packages: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change map[string]interface{}
		remove []string
		want   string // the error must name the field and say what to do
	}{
		{"bad domain type", map[string]interface{}{"domain_type": "xen"}, nil, `domain_type "xen" is not one of auto, kvm, qemu`},
		{"unknown transport", map[string]interface{}{"libvirt_uri": "qemu+spice://host/system"}, nil, `transport "spice" is not one of ssh`},
		{"not a uri", map[string]interface{}{"libvirt_uri": "localhost"}, nil, "libvirt_uri \"localhost\" is not a URI"},
		{"xen uri", map[string]interface{}{"libvirt_uri": "xen:///system"}, nil, `driver "xen" is not supported`},
		{"vm_name with slash", map[string]interface{}{"vm_name": "a/b"}, nil, `vm_name "a/b"`},
		{"zero cpus", map[string]interface{}{"cpus": -1}, nil, "cpus must be between 1 and 256"},
		{"tiny memory", map[string]interface{}{"memory": 64}, nil, "memory is in MiB and must be at least 256"},
		{"bad disk size", map[string]interface{}{"disk_size": "20X"}, nil, "disk_size: size \"20X\" has unknown unit"},
		{"tiny disk size", map[string]interface{}{"disk_size": "10"}, nil, `disk_size "10" is smaller than 64 MiB`},
		{"bad image cache size", map[string]interface{}{"image_cache_size": "lots"}, nil, `image_cache_size: size "lots" must start with a number; write it as disk_size is, e.g. "50G"`},
		{"bad firmware", map[string]interface{}{"firmware": "uefi"}, nil, `firmware "uefi" is not one of bios, efi`},
		{"bad machine", map[string]interface{}{"machine_type": "PC Q35"}, nil, `machine_type "PC Q35"`},
		{"bad cpu model", map[string]interface{}{"cpu_model": "host passthrough"}, nil, `cpu_model "host passthrough"`},
		{"bad centos version", map[string]interface{}{"centos_version": "9"}, nil, `centos_version "9" is not one of 7, stream8, stream9, stream10`},
		{"efi with bios-only preset", map[string]interface{}{"centos_version": "stream9", "firmware": "efi"}, []string{"source_image_url"}, `centos_version "stream9": with firmware = "efi": CentOS Stream 9 publishes no efi GenericCloud image for x86_64 (available: bios); use firmware = "bios"`},
		{"malformed compose", map[string]interface{}{"centos_version": "stream9", "centos_compose": "latest"}, []string{"source_image_url"}, `centos_version "stream9": centos_compose "latest" is not a compose id`},
		{"mirror that is no URL", map[string]interface{}{"centos_version": "stream9", "centos_mirror": "ftp://m"}, []string{"source_image_url"}, `centos_mirror "ftp://m" is not an http(s) URL`},
		{"preset checksum without url", map[string]interface{}{"centos_version": "stream9", "source_image_checksum": "sha256:" + strings.Repeat("a", 64)}, []string{"source_image_url"}, "source_image_checksum is set without source_image_url"},
		{"compose with a source url", map[string]interface{}{"centos_compose": "2211"}, nil, "centos_compose only applies to a centos_version preset"},
		{"no source", nil, []string{"source_image_url"}, "no source image: set centos_version"},
		{"unknown generalize operation", map[string]interface{}{"generalize_skip": []string{"logfiles", "lvm-uuids"}}, nil,
			`generalize_skip: "lvm-uuids" is not a generalize operation; valid: user-account, ssh-hostkeys, machine-id, cloud-init,`},
		{"missing checksum", nil, []string{"source_image_checksum"}, "source_image_checksum is required; write sha256:"},
		{"garbage checksum", map[string]interface{}{"source_image_checksum": "xyz"}, nil, `source_image_checksum "xyz" is not a checksum`},
		{"short sha256", map[string]interface{}{"source_image_checksum": "sha256:abcd"}, nil, "a sha256 checksum has 64 hex digits, not 4"},
		{"unknown checksum type", map[string]interface{}{"source_image_checksum": "crc32:abcd1234"}, nil, `unknown checksum type "crc32"`},
		{"empty file checksum", map[string]interface{}{"source_image_checksum": "file:"}, nil, `source_image_checksum "file:" names no file`},
		{"missing local image", map[string]interface{}{"source_image_url": "/nonexistent/base.qcow2"}, nil, `source_image_url "/nonexistent/base.qcow2"`},
		{"both user data", map[string]interface{}{"user_data": "#cloud-config\n", "user_data_file": userDataFile}, nil, "user_data and user_data_file are both set"},
		{"user data file missing", map[string]interface{}{"user_data_file": "/nonexistent/ud"}, nil, "user_data_file: open /nonexistent/ud"},
		{"user data without header", map[string]interface{}{"user_data_file": userDataFile}, nil, `user_data: user-data starts with "packages: [x]"`},
		{"bad hostname", map[string]interface{}{"hostname": "-bad-"}, nil, `hostname "-bad-"`},
		{"negative boot wait", map[string]interface{}{"boot_wait": "-5s"}, nil, "boot_wait must not be negative"},
		{"negative shutdown timeout", map[string]interface{}{"shutdown_timeout": "-1m"}, nil, "shutdown_timeout must be positive"},
		{"bad format", map[string]interface{}{"format": "vmdk"}, nil, `format "vmdk" is not one of qcow2, raw`},
		{"bad compression", map[string]interface{}{"disk_compression": "lz4"}, nil, `disk_compression "lz4" is not one of zstd, zlib, none`},
		{"compressed raw", map[string]interface{}{"format": "raw", "disk_compression": "zstd"}, nil, `disk_compression "zstd" needs format = "qcow2"`},
		{"winrm", map[string]interface{}{"communicator": "winrm", "winrm_username": "x"}, nil, `communicator "winrm" is not supported`},
		{"no ssh user", nil, []string{"ssh_username"}, "An ssh_username must be specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertRejected(t, tt.change, tt.remove, tt.want) })
	}
}

// assertRejected prepares the minimal configuration with change made and
// the keys in remove left out, and wants it refused with a message that
// says want.
func assertRejected(t *testing.T, change map[string]interface{}, remove []string, want string) {
	t.Helper()
	raw := minimal(t)
	for _, k := range remove {
		delete(raw, k)
	}
	for k, v := range change {
		raw[k] = v
	}
	_, _, err := prepare(raw)
	if err == nil {
		t.Fatalf("Prepare accepted %v", change)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error does not say %q:\n%v", want, err)
	}
}

func TestPrepareReportsAllErrorsAtOnce(t *testing.T) {
	raw := minimal(t)
	raw["domain_type"] = "xen"
	raw["cpus"] = -4
	raw["format"] = "vmdk"
	raw["source_image_checksum"] = "nope"
	_, _, err := prepare(raw)
	if err == nil {
		t.Fatal("Prepare accepted four mistakes")
	}
	for _, field := range []string{"domain_type", "cpus", "format", "source_image_checksum"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not mention %s:\n%v", field, err)
		}
	}
}

func TestPrepareRawGetsNoCompression(t *testing.T) {
	raw := minimal(t)
	raw["format"] = "raw"
	c, _, err := prepare(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.DiskCompression != "none" {
		t.Errorf("disk_compression = %q for raw, want none", c.DiskCompression)
	}
}

func TestHostnameFromVMName(t *testing.T) {
	for in, want := range map[string]string{"stream9": "stream9", "web_01.prod": "web-01-prod", "_x_": "x", "...": "packer"} {
		if got := hostnameFrom(in); got != want {
			t.Errorf("hostnameFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

// generalize_skip names the operations of scripts/generalize.sh, which the
// builder reads from the script itself; the docs' table lists each.
func TestGeneralizeOperationsComeFromTheScript(t *testing.T) {
	if len(generalizeOperations) < 30 || generalizeOperations[0] != "user-account" {
		t.Fatalf("generalize operations read from the script: %v", generalizeOperations)
	}
	doc, err := os.ReadFile("../../docs/builders/libvirt.mdx")
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range generalizeOperations {
		if !strings.Contains(string(doc), "| `"+op+"` ") {
			t.Errorf("the builder docs' generalize table has no row for %s", op)
		}
	}
	raw := minimal(t)
	raw["generalize_skip"] = []string{"logfiles", "tmp-files"}
	c, warnings, err := prepare(raw)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("valid generalize_skip: %v %v", warnings, err)
	}
	if strings.Join(c.GeneralizeSkip, " ") != "logfiles tmp-files" {
		t.Errorf("generalize_skip = %v", c.GeneralizeSkip)
	}
	raw = minimal(t)
	raw["generalize"], raw["generalize_skip"] = false, []string{"logfiles"}
	_, warnings, _ = prepare(raw)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "generalize_skip has no effect with generalize = false") {
		t.Errorf("warnings = %v", warnings)
	}
}

// At packer validate, data sources do not run: their outputs arrive as
// placeholders, which must pass (packer build gives the real values).
func TestPrepareAcceptsDataSourcePlaceholders(t *testing.T) {
	for _, placeholder := range []string{"<unknown>", "74D93920-ED26-11E3-AC10-0800200C9A66"} {
		raw := map[string]interface{}{"packer_build_name": "x", "source_image_url": placeholder, "source_image_checksum": placeholder, "ssh_username": "cloud-user"}
		if _, _, err := prepare(raw); err != nil {
			t.Errorf("placeholder %s refused: %v", placeholder, err)
		}
	}
}
