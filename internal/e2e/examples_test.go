//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// TestValidateExamples runs packer init and validate on every template
// directory in example/; each needs an entry here, so a new example
// cannot go unchecked.
func TestValidateExamples(t *testing.T) {
	w := requireWorld(t)
	vars := map[string][]string{
		"stream9-cloud":      nil,
		"verify":             nil,
		"centos7-iso":        nil,
		"stream9-iso":        nil,
		"centos-image":       nil,
		"environment-parity": nil,
		"demo":               {"-var", "standin_image=" + w.image, "-var", "standin_sha256=" + w.imageSHA256, "-var", "network=" + w.network},
	}
	examples := filepath.Join(w.repo, "example")
	entries, err := os.ReadDir(examples)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			if e.Name() == "ci-verify" {
				validateCommandExample(t, w, filepath.Join(examples, e.Name()))
				return
			}
			args, ok := vars[e.Name()]
			if !ok {
				t.Fatalf("example/%s has no entry in TestValidateExamples", e.Name())
			}
			dir := filepath.Join(examples, e.Name())
			work, tmp := workDir(t)
			// packer's debug log goes to the test's own directory, not
			// into the repository's example.
			logs := func(name string) map[string]string {
				return map[string]string{"PACKER_LOG": "1", "PACKER_LOG_PATH": filepath.Join(work, name)}
			}
			if out, code := w.packerRunEnv(t, dir, tmp, time.Minute, logs("init.log"), "init", "."); code != 0 {
				t.Fatalf("packer init failed (%d):\n%s", code, out)
			}
			out, code := w.packerRunEnv(t, dir, tmp, time.Minute, logs("validate.log"), append(append([]string{"validate"}, args...), ".")...)
			if code != 0 {
				t.Errorf("packer validate failed (%d):\n%s", code, out)
			}
		})
	}
}

// validateCommandExample checks the CI example of the centos-verify
// command: its spec parses and every flag its script passes exists.
func validateCommandExample(t *testing.T, w *world, dir string) {
	if _, err := verifier.ParseFile(filepath.Join(dir, "verify.hcl")); err != nil {
		t.Errorf("verify.hcl: %v", err)
	}
	script, err := os.ReadFile(filepath.Join(dir, "verify-image.sh"))
	if err != nil {
		t.Fatal(err)
	}
	help, _ := exec.Command(w.verifyCommand, "--help").CombinedOutput()
	for _, m := range regexp.MustCompile(`(?m)^\s*(--[a-z-]+)`).FindAllStringSubmatch(string(script), -1) {
		if !strings.Contains(string(help), "  -"+strings.TrimPrefix(m[1], "--")+" ") {
			t.Errorf("verify-image.sh passes %s, which centos-verify does not have", m[1])
		}
	}
}
