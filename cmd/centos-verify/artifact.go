package main

import (
	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
)

// imageArtifact hands an image file to the post-processor the way a
// centos-libvirt artifact does, with what the command knows of it.
type imageArtifact struct {
	path, format  string
	centosVersion string
	timings       string
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
	}
	return nil
}
