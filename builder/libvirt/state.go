package libvirt

import (
	"sync"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/centos"
	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
)

// buildRun is what the steps of one build learn and hand on to each other.
// It lives in the state bag under "run" so each step reads typed fields
// instead of loosely named keys; the guest's part, which the shared steps
// use, is the embedded guestrun.Run.
type buildRun struct {
	*guestrun.Run
	config *Config

	// ISO mode: the kickstart served to the installer (read by the HTTP
	// server's goroutine, so behind a lock), where it is served, and what
	// boots the installer.
	ksMu      sync.Mutex
	kickstart []byte
	httpIP    string
	httpPort  int
	oemdrv    domainxml.Disk
	kernel    string // paths on the hypervisor host
	initrd    string
	stage2    string

	// source is the preset's dated image, when the build has a preset.
	source *centos.CloudImage

	// written are the outputs as stepExport wrote them, in the order of
	// the export blocks; outputs what the artifact tells of them.
	written []imageformat.Written
	outputs []artifact.Output
}

// primary is the output verify boots; false before the export.
func (r *buildRun) primary() (artifact.Output, bool) {
	for _, o := range r.outputs {
		if o.Primary {
			return o, true
		}
	}
	return artifact.Output{}, false
}

func (r *buildRun) setKickstart(ks []byte) {
	r.ksMu.Lock()
	defer r.ksMu.Unlock()
	r.kickstart = ks
}

func (r *buildRun) kickstartFile() []byte {
	r.ksMu.Lock()
	defer r.ksMu.Unlock()
	return r.kickstart
}

func runOf(state multistep.StateBag) *buildRun {
	return state.Get("run").(*buildRun)
}
