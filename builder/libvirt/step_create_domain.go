package libvirt

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// stepCreateDomain defines the build domain from libvirtxml structs and
// boots it. Cleanup forces it off if it still runs and undefines it, NVRAM
// included, whatever way the build ends.
type stepCreateDomain struct {
	defined bool
}

func (s *stepCreateDomain) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	r.consoleLog = filepath.Join(r.workDir, "console.log")
	spec := domainxml.Spec{
		Name:       r.domain,
		Type:       r.domainType,
		Machine:    cfg.MachineType,
		MemoryMiB:  uint(cfg.Memory),
		VCPUs:      uint(cfg.CPUs),
		CPU:        r.cpu,
		Firmware:   cfg.Firmware,
		Disks:      []domainxml.Disk{{Path: r.diskPath, Format: "qcow2", Unsafe: true}},
		CDROMs:     []string{r.seedPath},
		Network:    r.network.Name,
		MAC:        r.mac,
		ConsoleLog: r.consoleLog,
	}
	xml, err := domainxml.Marshal(spec)
	if err != nil {
		return fail(state, err)
	}
	log.Printf("[DEBUG] domain XML:\n%s", xml)
	if err := r.driver.DefineDomain(xml); err != nil {
		return fail(state, err)
	}
	s.defined = true
	r.ui.Say(fmt.Sprintf("Starting domain %s (%d vCPU, %d MiB)", r.domain, cfg.CPUs, cfg.Memory))
	r.bootStarted = time.Now()
	if err := r.driver.StartDomain(r.domain); err != nil {
		return fail(state, withConsole(err, r.consoleLog))
	}
	return multistep.ActionContinue
}

func (s *stepCreateDomain) Cleanup(state multistep.StateBag) {
	if !s.defined {
		return
	}
	r := runOf(state)
	if err := r.driver.DestroyDomain(r.domain); err != nil {
		r.ui.Error(fmt.Sprintf("Could not force off domain %s: %v", r.domain, err))
	}
	if err := r.driver.UndefineDomain(r.domain); err != nil {
		r.ui.Error(fmt.Sprintf("Could not undefine domain %s: %v; remove it with `virsh undefine --nvram %s`", r.domain, err, r.domain))
		return
	}
	s.defined = false
}
