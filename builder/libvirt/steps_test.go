package libvirt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun/guestruntest"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
)

// testRun wires a build run to the fake driver and a UI that records what
// it says, for tests of single steps.
func testRun(t *testing.T, d *fake.Driver) (*buildRun, multistep.StateBag, *bytes.Buffer) {
	t.Helper()
	out, ui := recordingUI()
	cfg := &Config{}
	raw := minimal(t)
	raw["domain_type"] = "qemu"
	raw["shutdown_timeout"] = "200ms"
	if _, err := cfg.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	g, err := guestrun.New(d, ui, "packer-test-", "centos-libvirt.test", "test:///fake")
	if err != nil {
		t.Fatal(err)
	}
	r := &buildRun{Run: g, config: cfg}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("ui", ui)
	return r, state, out
}

func recordingUI() (*bytes.Buffer, *packersdk.BasicUi) {
	var out bytes.Buffer
	return &out, &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out, PB: &packersdk.NoopProgressTracker{}}
}

func stateError(state multistep.StateBag) string {
	if err, ok := state.GetOk("error"); ok {
		return err.(error).Error()
	}
	return ""
}

// runSteps runs steps like the SDK's runner: in order until one halts,
// then every started step's Cleanup in reverse.
func runSteps(t *testing.T, state multistep.StateBag, steps ...multistep.Step) multistep.StepAction {
	t.Helper()
	(&multistep.BasicRunner{Steps: steps}).Run(context.Background(), state)
	if _, halted := state.GetOk(multistep.StateHalted); halted {
		return multistep.ActionHalt
	}
	return multistep.ActionContinue
}

// The whole build of a cloud image — Builder.steps, as packer runs them —
// against the fake libvirt and an SSH server on loopback standing in for
// the guest: it exports an image when all goes well, and leaves no domain,
// reservation, volume, working file or output directory behind when it
// succeeds, fails or is cancelled.
func TestBuildLeavesNothing(t *testing.T) {
	guestruntest.RequireTools(t, "qemu-img", "xorriso")
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`, http.StatusForbidden)
	}))
	defer refusing.Close()
	// Every format but gce, whose GiB of zeros takes long to gzip under
	// -race (imageformat's tests write it at a smaller unit).
	exports := func(registry string) []map[string]interface{} {
		return []map[string]interface{}{
			{"format": "qcow2"}, {"format": "raw"}, {"format": "vmdk"}, {"format": "vhd"}, {"format": "vhdx"}, {"format": "ova"},
			{"format": "containerdisk", "repository": strings.TrimPrefix(registry, "http://") + "/images/fake:test"},
		}
	}
	tests := []struct {
		name    string
		pool    string
		exports []map[string]interface{}
		noSSH   bool // nothing answers on the guest's address
		cancel  bool // Ctrl-C while waiting for SSH
		wantErr string
	}{
		{name: "success"},
		{name: "success with a storage pool", pool: guestruntest.Pool},
		{name: "every format, pushed", exports: exports(reg.URL)},
		{name: "the registry refuses the push", exports: exports(refusing.URL), wantErr: "push fake.containerdisk.tar to " + strings.TrimPrefix(refusing.URL, "http://") + "/images/fake:test"},
		{name: "guest never answers SSH", noSSH: true, wantErr: "did not succeed within 1s: no SSH server at 127.0.0.1:"},
		{name: "guest never answers SSH, storage pool", pool: guestruntest.Pool, noSSH: true, wantErr: "(ssh_timeout)"},
		{name: "cancelled while waiting for SSH", noSSH: true, cancel: true, wantErr: "build was cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			dir := t.TempDir()
			src := guestruntest.Image(t)
			d := guestruntest.NewFake()
			port := 1 // nothing listens there
			var server *guestruntest.SSHServer
			if !tt.noSSH {
				server = guestruntest.StartSSHServer(t)
				port = server.Port
			}
			var b Builder
			raw := map[string]interface{}{
				"packer_build_name":     "fake",
				"source_image_url":      src,
				"source_image_checksum": "none",
				"domain_type":           "qemu",
				"ssh_username":          "cloud-user",
				"ssh_port":              port,
				"ssh_timeout":           "1s",
				"shutdown_timeout":      "5s",
				"output_directory":      filepath.Join(dir, "output"),
				"storage_pool":          tt.pool,
			}
			if tt.exports != nil {
				raw["export"] = tt.exports
			}
			if _, _, err := b.Prepare(raw); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				b.config.Comm.SSHTimeout = time.Minute
				guestruntest.CancelAfterBoot(d, cancel)
			}
			out, ui := recordingUI()
			a, err := b.run(ctx, ui, &packersdk.MockHook{}, d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("build ended with %v, want %q\n%s", err, tt.wantErr, out)
				}
				if _, err := os.Stat(filepath.Join(dir, "output")); !os.IsNotExist(err) {
					t.Error("output directory left behind")
				}
			} else {
				if err != nil {
					t.Fatalf("build failed: %v\n%s", err, out)
				}
				image := filepath.Join(dir, "output", "fake.qcow2")
				if a.Id() != image {
					t.Errorf("artifact %s, want %s", a.Id(), image)
				}
				// sha256sum itself checks every output against the
				// checksum file.
				check := exec.Command("sha256sum", "--check", "--strict", "SHA256SUMS")
				check.Dir = filepath.Join(dir, "output")
				if out, err := check.CombinedOutput(); err != nil || strings.Count(string(out), ": OK") != max(len(tt.exports), 1) {
					t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
				}
				if tt.exports != nil {
					outputs, _ := a.State(artifact.StateOutputs).(string)
					if !strings.Contains(outputs, `"pushed":"`+strings.TrimPrefix(reg.URL, "http://")+"/images/fake@sha256:") {
						t.Errorf("the artifact's outputs do not record the push: %s", outputs)
					}
				}
				ran := strings.Join(server.Commands(), "\n")
				for _, want := range []string{"# generalize.sh", "# remove-build-key.sh", "sudo -n sh -c "} {
					if !strings.Contains(ran, want) {
						t.Errorf("the guest was not given a command with %q; it ran:\n%s", want, ran)
					}
				}
			}
			guestruntest.AssertNothingLeft(t, d, "default", []string{guestruntest.Pool}, tmp)
		})
	}
}

// A centos_version build downloads the newest dated image its mirror's
// checksum file lists, pinned by that sha256, and says so: in the build
// output and in the artifact. The -latest alias in the same file is never
// the download.
func TestBuildFromPresetMirror(t *testing.T) {
	guestruntest.RequireTools(t, "qemu-img", "xorriso")
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("PACKER_CACHE_DIR", t.TempDir())
	src := guestruntest.Image(t)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	const dated = "CentOS-Stream-GenericCloud-9-20250812.0.x86_64.qcow2"
	checksums := "# " + dated + ": " + strconv.Itoa(len(data)) + " bytes\n" +
		"SHA256 (CentOS-Stream-GenericCloud-9-20250804.0.x86_64.qcow2) = " + strings.Repeat("0", 64) + "\n" +
		"SHA256 (" + dated + ") = " + hexSum + "\n" +
		"SHA256 (CentOS-Stream-GenericCloud-9-latest.x86_64.qcow2) = " + strings.Repeat("1", 64)
	var fetched []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		fetched = append(fetched, req.URL.Path)
		mu.Unlock()
		switch req.URL.Path {
		case "/centos/9-stream/x86_64/images/CHECKSUM":
			io.WriteString(w, checksums)
		case "/centos/9-stream/x86_64/images/" + dated:
			w.Write(data)
		default:
			http.NotFound(w, req)
		}
	}))
	defer srv.Close()

	server := guestruntest.StartSSHServer(t)
	d := guestruntest.NewFake()
	dir := t.TempDir()
	var b Builder
	if _, _, err := b.Prepare(map[string]interface{}{
		"packer_build_name": "preset",
		"centos_version":    "stream9",
		"centos_mirror":     srv.URL,
		"domain_type":       "qemu",
		"ssh_port":          server.Port,
		"ssh_timeout":       "5s",
		"shutdown_timeout":  "5s",
		"output_directory":  filepath.Join(dir, "output"),
	}); err != nil {
		t.Fatal(err)
	}
	out, ui := recordingUI()
	a, err := b.run(context.Background(), ui, &packersdk.MockHook{}, d)
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}
	if got := a.State(artifact.StateSourceImageName); got != dated {
		t.Errorf("artifact's source image name = %v, want %s", got, dated)
	}
	if got := a.State(artifact.StateSourceCompose); got != "20250812.0" {
		t.Errorf("artifact's source compose = %v, want 20250812.0", got)
	}
	if got := a.State(artifact.StateSourceImage); got != srv.URL+"/centos/9-stream/x86_64/images/"+dated {
		t.Errorf("artifact's source image = %v", got)
	}
	if !strings.Contains(a.String(), "built from "+dated) {
		t.Errorf("artifact %q does not name its source image", a.String())
	}
	if want := "Source image: " + dated + " (compose 20250812.0, "; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "sha256:"+hexSum) {
		t.Errorf("build output does not say %q with its sha256:\n%s", want, out)
	}
	// The phases go into the artifact and beside the image, in order.
	rec, err := timeline.Read(strings.NewReader(a.State(artifact.StatePhaseTimings).(string)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, p := range rec.Phases {
		names = append(names, p.Name)
		if i > 0 && p.Start.Before(rec.Phases[i-1].End().Add(-time.Millisecond)) {
			t.Errorf("phase %s starts before %s ended", p.Name, rec.Phases[i-1].Name)
		}
	}
	if got := strings.Join(names, ","); got != "resolve,download,disk,boot→lease,lease→SSH,provision,generalize,shutdown,export" && got != "resolve,download,disk,boot→SSH,provision,generalize,shutdown,export" {
		t.Errorf("phases %s", got)
	}
	if files := a.Files(); len(files) != 3 || files[2] != filepath.Join(dir, "output", timeline.FileName) {
		t.Errorf("artifact files %v, want the image, its .sha256 and %s", files, timeline.FileName)
	} else if data, err := os.ReadFile(files[2]); err != nil || strings.TrimSpace(string(data)) != a.State(artifact.StatePhaseTimings) {
		t.Errorf("%s = %q (%v), want the artifact's timings", files[2], data, err)
	}
	for _, p := range fetched {
		if strings.Contains(p, "latest") {
			t.Errorf("the build fetched %s", p)
		}
	}
}

// The SDK keys cached downloads by the checksum string: two images checked
// against one checksum file must not share a cached file.
func TestCacheTargetPerImage(t *testing.T) {
	t.Setenv("PACKER_CACHE_DIR", t.TempDir())
	const sums = "file:https://cloud.centos.org/centos/10-stream/x86_64/images/CHECKSUM"
	bios, _ := cacheTarget(sums, []string{"https://m/CentOS-Stream-GenericCloud-10-20250812.0.x86_64.qcow2"}, "img")
	efi, _ := cacheTarget(sums, []string{"https://m/CentOS-Stream-GenericCloud-x86_64-10-20250812.0.x86_64.qcow2"}, "img")
	if bios == "" || bios == efi {
		t.Errorf("cache targets %q and %q: want two different files", bios, efi)
	}
	if pinned, _ := cacheTarget("sha256:"+strings.Repeat("a", 64), []string{"https://m/x.qcow2"}, "img"); pinned != "" {
		t.Errorf("a pinned checksum got target %q; the SDK's own key (the digest) is per image", pinned)
	}
}
