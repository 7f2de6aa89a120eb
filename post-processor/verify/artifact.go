package verify

import (
	"fmt"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// Artifact is the verified input artifact, passed on unchanged, with the
// report files added to its files.
type Artifact struct {
	packersdk.Artifact
	image   string
	reports []string
	summary string
}

// Files lists the input artifact's files and the reports.
func (a *Artifact) Files() []string {
	return append(append([]string(nil), a.Artifact.Files()...), a.reports...)
}

// String names the verified image and the verdict.
func (a *Artifact) String() string {
	return fmt.Sprintf("%s verified: %s", a.image, a.summary)
}

// Destroy removes the reports, then the input artifact.
func (a *Artifact) Destroy() error {
	for _, f := range a.reports {
		_ = removeFile(f)
	}
	return a.Artifact.Destroy()
}
