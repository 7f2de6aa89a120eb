package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/centos"
	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
)

// imageArtifact hands an image file to the post-processor the way a
// centos-libvirt artifact does, with what the command knows of it.
type imageArtifact struct {
	path, format  string
	centosVersion string
	timings       string
	// outputs is the build's outputs as JSON, from --outputs.
	outputs string
}

func (a *imageArtifact) BuilderId() string { return artifact.BuilderID }
func (a *imageArtifact) Files() []string   { return []string{a.path} }
func (a *imageArtifact) Id() string        { return a.path }
func (a *imageArtifact) String() string    { return a.format + " image " + a.path }
func (a *imageArtifact) Destroy() error    { return nil }

func (a *imageArtifact) State(name string) interface{} {
	switch name {
	case artifact.StateImagePath:
		return a.path
	case artifact.StateFormat:
		return a.format
	case artifact.StateCentOSVersion:
		return a.centosVersion
	case artifact.StatePhaseTimings:
		return a.timings
	case artifact.StateOutputs:
		return a.outputs
	}
	return nil
}

// readOutputs reads the outputs a build's SHA256SUMS lists — each file
// but the image itself, its format told by its name, its path relative
// to the checksum file — as the artifact's JSON list of outputs.
func readOutputs(sums, image string) (string, error) {
	f, err := os.Open(sums)
	if err != nil {
		return "", fmt.Errorf("outputs: %w", err)
	}
	defer f.Close()
	entries, err := centos.ParseChecksums(f)
	if err != nil {
		return "", fmt.Errorf("outputs: %s: %w", sums, err)
	}
	var outputs []artifact.Output
	var errs []error
	for _, e := range entries {
		path := filepath.Join(filepath.Dir(sums), e.Name)
		if abs, err := filepath.Abs(path); err == nil && abs == image {
			continue
		}
		format, ok := imageformat.ByFileName(e.Name)
		switch {
		case e.Algorithm != "sha256":
			errs = append(errs, fmt.Errorf("outputs: %s is listed with %s, want sha256", e.Name, e.Algorithm))
		case !ok:
			errs = append(errs, fmt.Errorf("outputs: cannot tell the format of %s from its name (%s)", e.Name, strings.Join(extensions(), ", ")))
		default:
			outputs = append(outputs, artifact.Output{Format: format.Name, Path: path, SHA256: e.Sum, Target: format.Target})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	b, err := json.Marshal(outputs)
	return string(b), err
}

func extensions() []string {
	var exts []string
	for _, n := range imageformat.Names() {
		f, _ := imageformat.Lookup(n)
		exts = append(exts, f.Ext)
	}
	return exts
}
