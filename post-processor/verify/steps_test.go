package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun/guestruntest"
	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// The whole verification — PostProcessor.steps, as packer runs them —
// against the fake libvirt and an SSH server on loopback standing in for
// the guest: it passes when all goes well, and leaves no domain,
// reservation, volume or working file behind, and the image as it was,
// when it succeeds, fails or is cancelled.
func TestVerifyLeavesNothing(t *testing.T) {
	guestruntest.RequireTools(t, "qemu-img", "xorriso")
	tests := []struct {
		name           string
		pool           string
		noSSH          bool   // nothing answers on the guest's address
		cancelAt       string // "ssh": Ctrl-C while waiting for SSH; "upload": while the image goes up to the pool
		failDefine     bool   // libvirt refuses the domain
		reboot         bool   // the second boot runs
		secrets        bool   // no_baked_secrets runs
		notBack        bool   // the guest's SSH server is gone after the reboot
		outputs        string // "same": the artifact lists copies of the image; "differ": one is another disk
		wantErr        string
		wantReportFail string // the JUnit report's failed entry
	}{
		{name: "success"},
		{name: "success with a storage pool", pool: guestruntest.Pool},
		{name: "guest never comes up", noSSH: true, wantErr: "the image did not come up", wantReportFail: "boot"},
		{name: "libvirt refuses the domain", failDefine: true, wantErr: "define domain: no", wantReportFail: "boot"},
		{name: "cancelled while waiting for SSH", noSSH: true, cancelAt: "ssh", wantErr: "verify was cancelled"},
		{name: "cancelled during the upload", pool: guestruntest.Pool, cancelAt: "upload", wantErr: "verify was cancelled"},
		{name: "second boot", reboot: true},
		{name: "the image as shipped is read in the guest", secrets: true},
		{name: "second boot, then the image as shipped", reboot: true, secrets: true},
		{name: "guest does not come back after its reboot", reboot: true, notBack: true,
			wantErr: "the guest did not come back after its reboot", wantReportFail: "second_boot"},
		{name: "outputs hold the image's disk", outputs: "same"},
		{name: "an output holds another disk", outputs: "differ", wantErr: "outputs do not hold the verified disk: image.vmdk: ", wantReportFail: "image.vmdk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			dir := t.TempDir()
			image := guestruntest.Image(t)
			sum, _, err := ctxio.SHA256File(context.Background(), image)
			if err != nil {
				t.Fatal(err)
			}
			in := &packersdk.MockArtifact{BuilderIdValue: artifact.BuilderID, FilesValue: []string{image}, StateValues: map[string]interface{}{
				artifact.StateImagePath: image, artifact.StateFormat: "qcow2", artifact.StateSHA256: sum}}
			if tt.outputs != "" {
				in.StateValues[artifact.StateOutputs] = outputsOf(t, image, tt.outputs == "differ")
			}

			d := guestruntest.NewFake()
			if tt.failDefine {
				d.Fail = map[string]error{"DefineDomain": errors.New("define domain: no")}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			switch tt.cancelAt {
			case "ssh":
				guestruntest.CancelAfterBoot(d, cancel)
			case "upload":
				d.OnTransfer = func(ctx context.Context, _ string) error {
					cancel()
					<-ctx.Done()
					return ctx.Err()
				}
			}
			port := 1 // nothing listens there
			if !tt.noSSH {
				server := guestruntest.StartSSHServer(t)
				server.Answer("hostname;", "packer-verify\n@@verifier@@\n"+strings.Repeat("ab", 16)+"\n@@verifier@@\n"+
					"/etc/ssh/ssh_host_ed25519_key.pub ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\n")
				server.Answer("is-system-running", "running\n")
				server.Answer("/dev/disk/by-id/virtio-packer-image", "@@verifier@@ read /dev/vdb1\n")
				if tt.notBack {
					d.OnReboot = func(*fake.Driver, string) { server.Stop() }
				}
				port = server.Port
			}
			disable := builtinNames()
			if tt.secrets {
				disable = slices.DeleteFunc(disable, func(n string) bool { return n == "no_baked_secrets" })
			}
			var p PostProcessor
			timeout := "1s"
			if tt.cancelAt == "ssh" {
				timeout = "1m"
			}
			if err := p.Configure(map[string]interface{}{
				"domain_type":      "qemu",
				"storage_pool":     tt.pool,
				"ssh_port":         port,
				"ssh_timeout":      timeout,
				"shutdown_timeout": "5s",
				"disable_checks":   disable,
				"reboot":           tt.reboot,
				"report_junit":     filepath.Join(dir, "reports", "verify.xml"),
			}); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			ui := &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
			start := time.Now()
			got, err := p.verify(ctx, ui, in, d)
			if tt.cancelAt != "" && time.Since(start) > 5*time.Second {
				t.Errorf("a cancelled verify took %s to end", time.Since(start))
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("verify ended with %v, want %q\n%s", err, tt.wantErr, &out)
				}
			} else if err != nil {
				t.Fatalf("verify failed: %v\n%s", err, &out)
			} else if !strings.Contains(got.String(), "verified") {
				t.Errorf("artifact %q", got.String())
			}
			if tt.wantReportFail != "" && !strings.Contains(readFile(t, filepath.Join(dir, "reports", "verify.xml")), `name="`+tt.wantReportFail+`"`) {
				t.Errorf("the JUnit report does not record %s", tt.wantReportFail)
			}
			if after, _, _ := ctxio.SHA256File(context.Background(), image); after != sum {
				t.Error("verify changed the image")
			}
			if !strings.Contains(out.String(), "Verify timings: ") {
				t.Errorf("no timings:\n%s", &out)
			}
			if tt.outputs != "" {
				report := readFile(t, filepath.Join(dir, "reports", "verify.xml"))
				for _, name := range []string{"image.raw", "image.vmdk"} {
					if !strings.Contains(report, `name="`+name+`"`) {
						t.Errorf("the JUnit report does not record the comparison of %s", name)
					}
				}
			}
			if booted := lastDomain(d) != ""; tt.outputs == "differ" && booted {
				t.Error("the image was booted though an output differs")
			}
			if rebooted := slices.Contains(d.Calls(), "RebootDomain "+lastDomain(d)); rebooted != tt.reboot {
				t.Errorf("rebooted: %v, want %v", rebooted, tt.reboot)
			}
			if tt.reboot && !tt.notBack && !strings.Contains(readFile(t, filepath.Join(dir, "reports", "verify.xml")), `name="second_boot"`) {
				t.Error("the JUnit report does not record second_boot")
			}
			if attached := slices.Contains(d.Calls(), "AttachDisk "+lastDomain(d)); attached != tt.secrets {
				t.Errorf("the image was plugged in: %v, want %v", attached, tt.secrets)
			}
			if tt.secrets && !strings.Contains(readFile(t, filepath.Join(dir, "reports", "verify.xml")), `name="no_baked_secrets"`) {
				t.Error("the JUnit report does not record no_baked_secrets")
			}
			guestruntest.AssertNothingLeft(t, d, "default", []string{guestruntest.Pool}, tmp)
		})
	}
}

// outputsOf writes image as raw and VMDK outputs beside it and returns
// the artifact's list of outputs; with differ, the VMDK holds another
// disk.
func outputsOf(t *testing.T, image string, differ bool) string {
	t.Helper()
	ctx := context.Background()
	info, err := qemuimg.ReadInfo(ctx, image)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := imageformat.Source{Path: image, Format: "qcow2", VirtualSize: info.VirtualSize}
	if differ {
		other := filepath.Join(dir, "other.raw")
		os.WriteFile(other, []byte("another disk"), 0o644)
		os.Truncate(other, info.VirtualSize)
		src = imageformat.Source{Path: other, Format: "raw", VirtualSize: info.VirtualSize}
	}
	vmdk, err := imageformat.WriteAll(ctx, src, []imageformat.Output{{Format: "vmdk", Path: filepath.Join(dir, "image.vmdk")}}, imageformat.Options{Scratch: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := imageformat.WriteAll(ctx, imageformat.Source{Path: image, Format: "qcow2", VirtualSize: info.VirtualSize},
		[]imageformat.Output{{Format: "raw", Path: filepath.Join(dir, "image.raw")}}, imageformat.Options{Scratch: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	outputs := []artifact.Output{{Format: "qcow2", Path: image, Primary: true}}
	for _, w := range append(raw, vmdk...) {
		outputs = append(outputs, artifact.Output{Format: w.Format, Path: w.Path, SHA256: w.SHA256})
	}
	b, _ := json.Marshal(outputs)
	return string(b)
}

// lastDomain is the name of the last domain defined.
func lastDomain(d *fake.Driver) string {
	var name string
	for _, c := range d.Calls() {
		if n, ok := strings.CutPrefix(c, "DefineDomain "); ok {
			name = n
		}
	}
	return name
}

func builtinNames() []string { return verifier.BuiltinNames() }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
