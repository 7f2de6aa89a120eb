package libvirt

import (
	"fmt"
	"os"
	"strings"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// Artifact is the finished image and its checksum file.
type Artifact struct {
	dir           string
	imagePath     string
	format        string
	sha256        string
	size          int64
	virtualSize   int64
	sourceImage   string
	sourceName    string
	sourceCompose string
	centosVersion string
	buildKey      string
	servedFiles   []string

	// generatedData is what the build told provisioners and templates.
	generatedData map[string]interface{}
	// timings is the build's phases as JSON, also in timingsFile.
	timings     string
	timingsFile string
}

// BuilderId identifies the builder that made the artifact.
func (*Artifact) BuilderId() string { return artifact.BuilderID }

// Files lists the image, its .sha256 file and the build's phase timings.
func (a *Artifact) Files() []string {
	files := []string{a.imagePath, a.imagePath + ".sha256"}
	if a.timingsFile != "" {
		files = append(files, a.timingsFile)
	}
	return files
}

// Id is the image's path.
func (a *Artifact) Id() string { return a.imagePath }

// String names the image, its format, size and checksum.
func (a *Artifact) String() string {
	s := fmt.Sprintf("%s image %s (%s on disk, %s virtual), sha256 %s",
		a.format, a.imagePath, sizes.Format(a.size), sizes.Format(a.virtualSize), a.sha256)
	if a.sourceName != "" {
		s += ", built from " + a.sourceName
	}
	return s
}

// State exposes the image's facts to post-processors under the keys of
// package artifact, and HCP Packer registry metadata.
func (a *Artifact) State(name string) interface{} {
	switch name {
	case artifact.StateImagePath:
		return a.imagePath
	case artifact.StateFormat:
		return a.format
	case artifact.StateSHA256:
		return a.sha256
	case artifact.StateSourceImage:
		return a.sourceImage
	case artifact.StateSourceImageName:
		return a.sourceName
	case artifact.StateSourceCompose:
		return a.sourceCompose
	case artifact.StateCentOSVersion:
		return a.centosVersion
	case artifact.StateBuildKey:
		return a.buildKey
	case artifact.StateServedFiles:
		return strings.Join(a.servedFiles, "\n")
	case artifact.StatePhaseTimings:
		return a.timings
	case "generated_data":
		return a.generatedData
	case registryimage.ArtifactStateURI:
		img, err := registryimage.FromArtifact(a,
			registryimage.WithProvider("libvirt"),
			registryimage.WithID(a.sha256),
			registryimage.WithSourceID(a.sourceImage),
			registryimage.WithRegion("local"),
		)
		if err != nil {
			return nil
		}
		img.Labels["format"] = a.format
		img.Labels["path"] = a.imagePath
		for label, v := range map[string]string{"centos_version": a.centosVersion, "source_image_name": a.sourceName, "source_compose": a.sourceCompose} {
			if v != "" {
				img.Labels[label] = v
			}
		}
		return img
	}
	return nil
}

// Destroy deletes the output directory with the image.
func (a *Artifact) Destroy() error {
	if err := os.RemoveAll(a.dir); err != nil {
		return fmt.Errorf("remove %s: %w", a.dir, err)
	}
	return nil
}
