//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSourceFailsBeforeBoot: what can be known before a guest boots stops
// the build there, saying what to change — a compose the mirror does not
// list (with the nearest ones), a mirror that does not answer, a CPU the
// release's userland would not start on — and leaves nothing behind.
func TestSourceFailsBeforeBoot(t *testing.T) {
	w := requireWorld(t)
	m := w.centosMirror(t)
	tests := []struct {
		name, template string
		want           []string
	}{
		{"compose not on the mirror", requiredPlugins + `
data "centos-image" "s" {
  version = "stream9"
  compose = "20250101.0"
  mirror  = "` + m.url + `"
}
` + standinSourceFrom(w, "s", "data.centos-image.s.url", "data.centos-image.s.checksum", `"cloud-user"`, noGeneralize) + `
build { sources = ["source.centos-libvirt.s"] }
`, []string{"compose 20250101.0 of CentOS Stream 9 x86_64 bios is not in " + m.url + "centos/9-stream/x86_64/images/CHECKSUM; nearest: 20250812.0, 20250728.0"}},
		{"mirror that does not answer", requiredPlugins + `
data "centos-image" "s" {
  version = "stream9"
  mirror  = "http://127.0.0.1:9/"
}
` + standinSourceFrom(w, "s", "data.centos-image.s.url", "data.centos-image.s.checksum", `"cloud-user"`, noGeneralize) + `
build { sources = ["source.centos-libvirt.s"] }
`, []string{"read checksum file http://127.0.0.1:9/centos/9-stream/x86_64/images/CHECKSUM", "connection refused", "is the mirror reachable?"}},
		{"CPU below the release's level", requiredPlugins + standinSource(w, "s", noGeneralize+`
  centos_version = "stream10"
  cpu_model      = "qemu64"`) + `
build { sources = ["source.centos-libvirt.s"] }
`, []string{"CentOS Stream 10 needs an x86-64-v3 CPU, but the guest's CPU (model qemu64) lacks avx, avx2,", "set cpu_model to a model that has them"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, tmp := workDir(t)
			writeFile(t, filepath.Join(dir, "build.pkr.hcl"), tt.template)
			before := takeSnapshot(t, w, tmp)
			if out, code := w.packerRun(t, dir, tmp, time.Minute, "init", "."); code != 0 {
				t.Fatalf("packer init: %s", out)
			}
			out, code := w.packerRun(t, dir, tmp, 2*time.Minute, "build", ".")
			if code == 0 {
				t.Fatalf("the build succeeded:\n%s", out)
			}
			folded := strings.Join(strings.Fields(out), " ")
			for _, want := range tt.want {
				if !strings.Contains(folded, want) {
					t.Errorf("output does not say %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "Starting domain") {
				t.Error("a guest was started")
			}
			assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
		})
	}
}

// TestCPUFeaturesFromLibvirt asks the world's libvirt, as the level check
// does, what a TCG guest's CPU offers: QEMU's default model is x86-64-v1,
// the maximum TCG model of Debian 12's QEMU 7.2 reaches v3 (Stream 10).
func TestCPUFeaturesFromLibvirt(t *testing.T) {
	w := requireWorld(t)
	d := openDriver(t, w)
	has := func(features []string, want ...string) bool {
		set := map[string]bool{}
		for _, f := range features {
			set[f] = true
		}
		for _, f := range want {
			if !set[f] {
				return false
			}
		}
		return true
	}
	ctx := context.Background()
	def, err := d.CPUFeatures(ctx, "qemu", "")
	if err != nil {
		t.Fatal(err)
	}
	if !has(def, "sse2", "lm") || has(def, "avx2") || has(def, "sse4.2") {
		t.Errorf("qemu64 features %v: want x86-64-v1 only", def)
	}
	maxi, err := d.CPUFeatures(ctx, "qemu", "maximum")
	if err != nil {
		t.Fatal(err)
	}
	if !has(maxi, "sse4.2", "popcnt", "avx", "avx2", "bmi2", "fma", "movbe", "xsave") {
		t.Errorf("TCG's maximum CPU features %v: want x86-64-v3", maxi)
	}
	if named, err := d.CPUFeatures(ctx, "qemu", "Nehalem"); err != nil || !has(named, "sse4.2", "popcnt") || has(named, "avx") {
		t.Errorf("Nehalem features %v (%v): want v2 without AVX", named, err)
	}
}
