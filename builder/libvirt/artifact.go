package libvirt

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// Artifact is the build's outputs — the primary image and its copies for
// other targets — and their checksum file.
type Artifact struct {
	dir          string
	outputs      []artifact.Output
	checksumFile string

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

// primary is the output verify boots.
func (a *Artifact) primary() artifact.Output {
	for _, o := range a.outputs {
		if o.Primary {
			return o
		}
	}
	return artifact.Output{}
}

// Files lists every output, the checksum file and the build's phase
// timings.
func (a *Artifact) Files() []string {
	var files []string
	for _, o := range a.outputs {
		files = append(files, o.Path)
	}
	files = append(files, a.checksumFile)
	if a.timingsFile != "" {
		files = append(files, a.timingsFile)
	}
	return files
}

// Id is the primary image's path.
func (a *Artifact) Id() string { return a.primary().Path }

// String names the primary image, its format, size and checksum, and
// every other output with its target.
func (a *Artifact) String() string {
	p := a.primary()
	s := fmt.Sprintf("%s image %s (%s on disk, %s virtual), sha256 %s",
		p.Format, p.Path, sizes.Format(p.Size), sizes.Format(p.VirtualSize), p.SHA256)
	if a.sourceName != "" {
		s += ", built from " + a.sourceName
	}
	for _, o := range a.outputs {
		if o.Primary {
			continue
		}
		s += fmt.Sprintf("\n  %s for %s: %s (%s), sha256 %s", o.Format, o.Target, o.Path, sizes.Format(o.Size), o.SHA256)
		if o.Pushed != "" {
			s += ", pushed as " + o.Pushed
		}
	}
	if len(a.outputs) > 1 {
		s += "\n  checksums: " + a.checksumFile
	}
	return s
}

// State exposes the image's facts to post-processors under the keys of
// package artifact, and HCP Packer registry metadata.
func (a *Artifact) State(name string) interface{} {
	p := a.primary()
	switch name {
	case artifact.StateImagePath:
		return p.Path
	case artifact.StateFormat:
		return p.Format
	case artifact.StateSHA256:
		return p.SHA256
	case artifact.StateOutputs:
		b, err := json.Marshal(a.outputs)
		if err != nil {
			return nil
		}
		return string(b)
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
		return a.registryImages()
	}
	return nil
}

// registryImages is the HCP Packer metadata: one image per output, named
// by its sha256 (a pushed containerdisk by its reference), its provider
// the target's, with the output's format and target as labels.
func (a *Artifact) registryImages() []*registryimage.Image {
	var images []*registryimage.Image
	for _, o := range a.outputs {
		f, _ := imageformat.Lookup(o.Format)
		id, region := o.SHA256, "local"
		if o.Pushed != "" {
			id, region = o.Pushed, strings.SplitN(o.Pushed, "/", 2)[0]
		}
		img, err := registryimage.FromArtifact(a,
			registryimage.WithProvider(f.Provider),
			registryimage.WithID(id),
			registryimage.WithSourceID(a.sourceImage),
			registryimage.WithRegion(region),
		)
		if err != nil {
			continue
		}
		img.Labels["format"] = o.Format
		img.Labels["target"] = o.Target
		img.Labels["path"] = o.Path
		img.Labels["sha256"] = o.SHA256
		img.Labels["primary"] = fmt.Sprint(o.Primary)
		for label, v := range map[string]string{"centos_version": a.centosVersion, "source_image_name": a.sourceName, "source_compose": a.sourceCompose} {
			if v != "" {
				img.Labels[label] = v
			}
		}
		images = append(images, img)
	}
	return images
}

// Destroy deletes the output directory with every output.
func (a *Artifact) Destroy() error {
	if err := os.RemoveAll(a.dir); err != nil {
		return fmt.Errorf("remove %s: %w", a.dir, err)
	}
	return nil
}
