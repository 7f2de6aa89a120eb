package libvirt

import (
	"sync"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
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

	image exportedImage
}

// exportedImage is the finished artifact file.
type exportedImage struct {
	path     string
	format   string
	sha256   string
	size     int64 // bytes on disk
	virtSize int64 // virtual disk size
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
