package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The packages depend one way: the components on the shared internal
// packages, never on each other, and the verifier engine on nothing of
// Packer's. docs/architecture.md draws the same picture.
func TestDependencyDirection(t *testing.T) {
	const module = "github.com/packer-centos/packer-plugin-centos/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rules := []struct{ from, mustNotUse, why string }{
		{module + "post-processor/", module + "builder/", "the artifact contract is internal/artifact"},
		{module + "builder/", module + "verifier", "shell quoting is internal/shellquote"},
		{module + "verifier", "github.com/hashicorp/packer-plugin-sdk", "the verifier engine is usable without Packer"},
		{module + "internal/", module + "builder/", "internal packages serve the components, not the other way"},
		{module + "internal/", module + "post-processor/", "internal packages serve the components, not the other way"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		for _, r := range rules {
			if !strings.HasPrefix(pkg, r.from) {
				continue
			}
			for _, dep := range strings.Fields(deps) {
				if strings.HasPrefix(dep, r.mustNotUse) {
					t.Errorf("%s depends on %s: %s", pkg, dep, r.why)
				}
			}
		}
	}
}
