package libvirt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// isoRaw is the smallest valid ISO configuration: a local ISO of a known
// release, started through its preset boot menu.
func isoRaw(t *testing.T) map[string]interface{} {
	t.Helper()
	iso := filepath.Join(t.TempDir(), "installer.iso")
	if err := os.WriteFile(iso, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]interface{}{
		"packer_build_name": "iso",
		"centos_version":    "stream9",
		"iso_url":           iso,
		"iso_checksum":      "sha256:" + strings.Repeat("cd", 32),
	}
}

func TestPrepareISOPreset(t *testing.T) {
	c, warnings, err := prepare(map[string]interface{}{
		"packer_build_name": "s9", "centos_version": "stream9", "source_type": "iso",
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want interface{}
	}{
		{"iso url", c.ISOURLs[0], "https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso"},
		{"iso checksum", c.ISOChecksum, "file:https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso.SHA256SUM"},
		{"boot command", c.flatBootCommand(), "<up><wait><tab> inst.text {{ .KickstartArg }}<enter>"},
		{"boot mode", c.BootMode, "menu"},
		{"boot wait", c.BootWait, 10 * time.Second},
		{"disk size", c.DiskSize, "20G"},
		{"ssh user", c.Comm.SSHUsername, "root"},
		{"delivery", c.KickstartDelivery, "http"},
		{"install timeout", c.InstallTimeout, time.Hour},
		{"dialect", c.dialect.Version, "stream9"},
		{"bind to the bridge", c.bindDefault, true},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if len(warnings) != 0 {
		t.Errorf("warnings = %v", warnings)
	}
}

func TestPrepareISOStream10EFIUsesGRUB(t *testing.T) {
	c, _, err := prepare(map[string]interface{}{
		"packer_build_name": "s10", "centos_version": "stream10", "source_type": "iso", "firmware": "efi",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.flatBootCommand(); got != "<up>e<down><down><end> inst.text {{ .KickstartArg }}<leftCtrlOn>x<leftCtrlOff>" {
		t.Errorf("boot command = %q", got)
	}
}

func TestPrepareISOOwnKickstartAndKernelBoot(t *testing.T) {
	ks := filepath.Join(t.TempDir(), "ks.cfg")
	os.WriteFile(ks, []byte("text\nrootpw --iscrypted {{ .RootPasswordHash }}\nsshkey --username={{ .SSHUsername }} \"{{ .SSHPublicKey }}\"\npoweroff\n"), 0o644)
	raw := isoRaw(t)
	raw["kickstart_file"] = ks
	raw["root_password"] = "S3cret!"
	raw["boot_mode"] = "kernel"
	raw["kernel_args"] = "inst.repo=https://mirror.example.com/os/"
	raw["kickstart_delivery"] = "cdrom"
	c, _, err := prepare(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.rootHash, "$6$") {
		t.Errorf("root password hash = %q, want a SHA-512 crypt hash", c.rootHash)
	}
	if len(c.BootCommand) != 0 {
		t.Errorf("kernel boot got a boot command: %v", c.BootCommand)
	}
}

func TestPrepareISORejects(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.ks")
	os.WriteFile(plain, []byte("rootpw changeme\nsshkey --username=root \"{{ .SSHPublicKey }}\"\n"), 0o644)
	badTemplate := filepath.Join(dir, "bad.ks")
	os.WriteFile(badTemplate, []byte("network --hostname={{ .NoSuchField }}\n"), 0o644)
	tests := []struct {
		name   string
		change map[string]interface{}
		remove []string
		want   string
	}{
		{"bad source type", map[string]interface{}{"source_type": "pxe"}, nil, `source_type "pxe" is not one of cloud_image, iso`},
		{"iso url with cloud type", map[string]interface{}{"source_type": "cloud_image"}, nil, `iso_url is set but source_type is "cloud_image"`},
		{"missing iso", map[string]interface{}{"iso_url": "/nonexistent/x.iso"}, nil, `iso_url "/nonexistent/x.iso"`},
		{"bad boot mode", map[string]interface{}{"boot_mode": "pxe"}, nil, `boot_mode "pxe" is not one of menu, kernel`},
		{"kernel args in menu mode", map[string]interface{}{"kernel_args": "quiet"}, nil, `kernel_args needs boot_mode = "kernel"`},
		{"negative install timeout", map[string]interface{}{"install_timeout": "-1m"}, nil, "install_timeout must be positive"},
		{"bad delivery", map[string]interface{}{"kickstart_delivery": "floppy"}, nil, `kickstart_delivery "floppy" is not one of http, cdrom`},
		{"bind address not an IP", map[string]interface{}{"http_bind_address": "virbr0"}, nil, `http_bind_address "virbr0" is not an IP address`},
		{"bad iso checksum", map[string]interface{}{"iso_checksum": "md5:abc"}, nil, "iso_checksum \"md5:abc\": a md5 checksum has 32 hex digits, not 3"},
		{"no checksum", nil, []string{"iso_checksum"}, "iso_checksum is required"},
		{"no dialect", nil, []string{"centos_version"}, `source_type = "iso" needs centos_version`},
		{"custom iso without boot command", map[string]interface{}{"boot_command": nil}, []string{"centos_version"}, "boot_command is required to start an installer from iso_url"},
		{"boot command in kernel mode", map[string]interface{}{"boot_mode": "kernel", "boot_command": []string{"<enter>"}}, nil, `boot_command is not typed with boot_mode = "kernel"`},
		{"kickstart file and block", map[string]interface{}{"kickstart_file": plain, "kickstart": map[string]interface{}{}}, nil, "kickstart_file and a kickstart block are both set"},
		{"missing kickstart file", map[string]interface{}{"kickstart_file": "/nonexistent/ks.cfg"}, nil, "kickstart_file: stat /nonexistent/ks.cfg"},
		{"plaintext password in kickstart file", map[string]interface{}{"kickstart_file": plain}, nil, "plaintext"},
		{"bad kickstart template", map[string]interface{}{"kickstart_file": badTemplate}, nil, "NoSuchField"},
		{"root_password with a block", map[string]interface{}{"root_password": "s3cret-root-pw"}, nil, "root_password is for kickstart_file"},
		{"ssh user not in kickstart", map[string]interface{}{"ssh_username": "builder"}, nil, "builder"},
		{"bad kickstart option", map[string]interface{}{"kickstart": map[string]interface{}{"selinux": "sometimes"}}, nil, "selinux"},
		{"user data in iso mode", map[string]interface{}{"user_data": "#cloud-config\n"}, nil, "user_data and user_data_file go into the cloud-init seed"},
		{"source image in iso mode", map[string]interface{}{"source_image_url": "https://x/y.qcow2"}, nil, "source_image_url and source_image_checksum are for cloud images"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := isoRaw(t)
			for _, k := range tt.remove {
				delete(raw, k)
			}
			for k, v := range tt.change {
				if v == nil {
					delete(raw, k)
					continue
				}
				raw[k] = v
			}
			_, _, err := prepare(raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPrepareCloudRejectsBootCommand(t *testing.T) {
	raw := minimal(t)
	raw["boot_command"] = []string{"<enter>"}
	if _, _, err := prepare(raw); err == nil || !strings.Contains(err.Error(), "boot_command is only typed when installing from an ISO") {
		t.Errorf("error = %v", err)
	}
}

func TestPrepareRemote(t *testing.T) {
	raw := minimal(t)
	raw["libvirt_uri"] = "qemu+ssh://root@hv1/system"
	c, _, err := prepare(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Remote() || !c.UsePool() || c.StoragePool != "default" {
		t.Errorf("remote %v, pool %q; want a remote build in pool default", c.Remote(), c.StoragePool)
	}
	iso := isoRaw(t)
	iso["libvirt_uri"] = "qemu+tcp://hv1/system"
	if _, _, err := prepare(iso); err == nil || !strings.Contains(err.Error(), "the installer cannot reach this host's kickstart server") {
		t.Errorf("remote ISO build with the default HTTP delivery: %v", err)
	}
	iso["kickstart_delivery"] = "cdrom"
	if _, _, err := prepare(iso); err != nil {
		t.Errorf("remote ISO build with OEMDRV: %v", err)
	}
	local := minimal(t)
	local["storage_pool"] = "images"
	c, _, err = prepare(local)
	if err != nil || c.Remote() || !c.UsePool() {
		t.Errorf("local build with a pool: remote %v, pool %v, %v", c.Remote(), c.UsePool(), err)
	}
}

// The files a build served the installer are named to verify, which looks
// for copies of them in the image.
func TestServedFiles(t *testing.T) {
	raw := isoRaw(t)
	dir := t.TempDir()
	for _, f := range []string{"post.sh", "sub/keys.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw["http_directory"] = dir
	c, _, err := prepare(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.servedFiles(), " "); got != "keys.txt ks.cfg post.sh" {
		t.Errorf("served files = %q, want the kickstart and http_directory's files", got)
	}
	cloud, _, err := prepare(minimal(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := cloud.servedFiles(); len(got) != 0 {
		t.Errorf("a cloud-image build served %v", got)
	}
}
