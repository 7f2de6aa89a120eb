package libvirt

import (
	"net/netip"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// buildRun is what the steps of one build learn and hand on to each other.
// It lives in the state bag under "run" so each step reads typed fields
// instead of loosely named keys.
type buildRun struct {
	config  *Config
	driver  Driver
	ui      packersdk.Ui
	timings *timings

	// Settled by stepCheckHypervisor.
	network    libvirtdriver.Network
	domainType string
	cpu        string

	workDir      string
	sourceImage  string // verified local copy of the source image
	sourceFormat string
	diskPath     string
	seedPath     string
	consoleLog   string

	mac      string
	ip       netip.Addr // known before boot when reserved
	reserved bool

	domain      string
	bootStarted time.Time

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

func runOf(state multistep.StateBag) *buildRun {
	return state.Get("run").(*buildRun)
}

// fail records err as the build's error and halts.
func fail(state multistep.StateBag, err error) multistep.StepAction {
	state.Put("error", err)
	runOf(state).ui.Error(err.Error())
	return multistep.ActionHalt
}
