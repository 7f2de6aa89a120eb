package guest

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// Start defines and boots the domain described by spec, filling in the
// guest's name, network, MAC and console log. The domain stays defined
// until Remove, which also deletes its NVRAM: libvirt keeps the NVRAM of
// a transient EFI domain after it is gone, so every guest is persistent.
func (g *Guest) Start(ctx context.Context, spec domainxml.Spec) error {
	spec.Name = g.Name
	spec.Type = g.Host.DomainType
	spec.CPU = g.Host.CPU
	spec.Network = g.Host.Network.Name
	spec.MAC = g.MAC
	if g.localConsole() {
		spec.ConsoleLog = g.ConsoleLog
	}
	if g.Ledger != nil {
		meta, err := g.Ledger.Record().Metadata()
		if err != nil {
			return err
		}
		spec.Metadata = meta
	}
	xml, err := domainxml.Marshal(spec)
	if err != nil {
		return err
	}
	log.Printf("[DEBUG] domain XML:\n%s", xml)
	g.UI.Say(fmt.Sprintf("Starting domain %s (%d vCPU, %d MiB)", g.Name, spec.VCPUs, spec.MemoryMiB))
	g.BootStarted = time.Now()
	if err := g.Driver.DefineDomain(ctx, xml); err != nil {
		return err
	}
	g.created = true
	if err := g.Driver.StartDomain(ctx, g.Name); err != nil {
		return g.WithConsole(err)
	}
	if !g.localConsole() {
		return g.streamConsole(ctx)
	}
	return nil
}

// localConsole tells whether libvirt can write the console to a file here.
func (g *Guest) localConsole() bool { return g.Storage == nil || g.Storage.Local() }

// streamConsole copies the console, through libvirt, into ConsoleLog.
func (g *Guest) streamConsole(ctx context.Context) error {
	f, err := os.OpenFile(g.ConsoleLog, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("console log: %w", err)
	}
	stop, err := g.Driver.StreamConsole(ctx, g.Name, f)
	if err != nil {
		f.Close()
		return err
	}
	g.stopConsole = func() { stop(); f.Close() }
	return nil
}

// Remove forces the domain off if it still runs and undefines it, NVRAM
// included. Problems are reported, with the command that fixes them. It
// runs at clean-up, after a cancel too, so it does not stop for a context.
func (g *Guest) Remove() {
	ctx := context.Background()
	if g.stopConsole != nil {
		g.stopConsole()
		g.stopConsole = nil
	}
	if !g.created {
		return
	}
	if err := g.Driver.DestroyDomain(ctx, g.Name); err != nil {
		g.UI.Error(fmt.Sprintf("Could not force off domain %s: %v", g.Name, err))
	}
	if err := g.Driver.UndefineDomain(ctx, g.Name); err != nil {
		g.UI.Error(fmt.Sprintf("Could not undefine domain %s: %v; remove it with `virsh undefine --nvram %s`", g.Name, err, g.Name))
		return
	}
	g.created = false
}
