package libvirt

import (
	"sync"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guest"
)

// buildRun is what the steps of one build learn and hand on to each other.
// It lives in the state bag under "run" so each step reads typed fields
// instead of loosely named keys.
type buildRun struct {
	config  *Config
	ui      packersdk.Ui
	timings *timings
	// guest is the build domain through its life.
	guest *guest.Guest

	workDir guest.WorkDir
	// disk is the build disk and seed the cloud-init seed, as the
	// hypervisor sees them (files or volumes, see guest.Storage).
	disk domainxml.Disk
	seed domainxml.Disk

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

// fail records err as the build's error and halts.
func fail(state multistep.StateBag, err error) multistep.StepAction {
	state.Put("error", err)
	runOf(state).ui.Error(err.Error())
	return multistep.ActionHalt
}
