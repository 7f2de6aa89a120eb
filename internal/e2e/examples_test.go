//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestValidateExamples runs packer init and validate on every template
// directory in example/; each needs an entry here, so a new example
// cannot go unchecked.
func TestValidateExamples(t *testing.T) {
	w := requireWorld(t)
	vars := map[string][]string{
		"stream9-cloud": nil,
		"verify":        nil,
		"centos7-iso":   nil,
		"stream9-iso":   nil,
		"demo":          {"-var", "standin_image=" + w.image, "-var", "standin_sha256=" + w.imageSHA256, "-var", "network=" + w.network},
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
