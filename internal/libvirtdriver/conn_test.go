package libvirtdriver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// libvirt's test driver is an in-process hypervisor: the real bindings,
// no daemon.
func testConn(t *testing.T) *Conn {
	t.Helper()
	c, err := Open("test:///default")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testDomainXML(t *testing.T, name string) string {
	t.Helper()
	// The test driver only runs "test" domains.
	xml, err := domainxml.Marshal(domainxml.Spec{Name: name, Type: "test", Machine: "pc", MemoryMiB: 256, VCPUs: 1, Firmware: "bios"})
	if err != nil {
		t.Fatal(err)
	}
	return xml
}

func TestConnDomainLifecycle(t *testing.T) {
	c := testConn(t)
	const name = "packer-lifecycle"
	if err := c.DefineDomain(context.Background(), testDomainXML(t, name)); err != nil {
		t.Fatal(err)
	}
	if err := c.StartDomain(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if running, err := c.DomainRunning(context.Background(), name); err != nil || !running {
		t.Fatalf("running = %v, %v", running, err)
	}
	done := make(chan error, 1)
	go func() { done <- c.WaitStopped(context.Background(), name) }()
	time.Sleep(100 * time.Millisecond)
	if err := c.DestroyDomain(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("WaitStopped: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitStopped did not see the stop event")
	}
	if err := c.UndefineDomain(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DomainRunning(context.Background(), name); !errors.Is(err, ErrNotFound) {
		t.Errorf("after undefine: %v, want ErrNotFound", err)
	}
	// Removing what is not there is not an error: clean-up may run twice.
	if err := c.DestroyDomain(context.Background(), name); err != nil {
		t.Errorf("destroy of a missing domain: %v", err)
	}
	if err := c.UndefineDomain(context.Background(), name); err != nil {
		t.Errorf("undefine of a missing domain: %v", err)
	}
}

func TestConnWaitStoppedHonoursContext(t *testing.T) {
	c := testConn(t)
	const name = "packer-wait"
	if err := c.DefineDomain(context.Background(), testDomainXML(t, name)); err != nil {
		t.Fatal(err)
	}
	if err := c.StartDomain(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	defer c.UndefineDomain(context.Background(), name)
	defer c.DestroyDomain(context.Background(), name)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.WaitStopped(ctx, name); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitStopped = %v, want deadline exceeded", err)
	}
}

func TestConnNetworkAndReservations(t *testing.T) {
	c := testConn(t)
	n, err := c.Network(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	if !n.Active || !n.ManagesDHCP() {
		t.Fatalf("test driver's default network = %+v", n)
	}
	if _, err := c.Network(context.Background(), "nonexistent"); err == nil || !strings.Contains(err.Error(), `network "nonexistent"`) {
		t.Errorf("missing network: %v", err)
	}
}

func TestConnErrorsAreReadable(t *testing.T) {
	_, err := Open("qemu:///system?socket=/nonexistent/sock")
	if err == nil {
		t.Skip("a libvirtd answered on a nonexistent socket")
	}
	if strings.Contains(err.Error(), "virError(") {
		t.Errorf("error keeps libvirt's raw form: %v", err)
	}
	if !strings.Contains(err.Error(), "connect to libvirt at qemu:///system?socket=/nonexistent/sock") {
		t.Errorf("error = %v", err)
	}
}

func TestWithin(t *testing.T) {
	failed := errors.New("daemon said no")
	block := make(chan struct{})
	defer close(block)
	for _, tc := range []struct {
		name string
		op   func() error
		want string // "" for no error
	}{
		{"answers", func() error { return nil }, ""},
		{"answers with an error", func() error { return failed }, "close it: daemon said no"},
		{"never answers", func() error { <-block; return nil }, "close it: no answer within 50ms, gave up waiting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := within(50*time.Millisecond, "close it", tc.op)
			if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && got != tc.want {
				t.Errorf("within = %v, want %q", err, tc.want)
			}
		})
	}
}

// A call that finds libvirtd gone waits for it to come back, but no longer
// than its context: Ctrl-C must not wait out reconnectTimeout.
func TestReconnectStopsWithTheContext(t *testing.T) {
	// Not testConn: the connection is closed below, and closing it again
	// at clean-up would touch a freed handle.
	c, err := Open("test:///default")
	if err != nil {
		t.Fatal(err)
	}
	// As if libvirtd had gone away for good: the connection is closed,
	// and reconnecting can only fail.
	c.uri = "qemu:///system?socket=/nonexistent/sock"
	closed := make(chan struct{})
	close(closed)
	c.closed = closed
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Network(ctx, "default")
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the call waited %s after its context ended", waited)
	}
	if !errors.Is(err, ErrConnectionLost) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want a lost connection and the context's deadline", err)
	}
}

// Only domains with a metadata element of the namespace are listed, with
// that element.
func TestConnOwnedDomains(t *testing.T) {
	c := testConn(t)
	ctx := context.Background()
	const ns = "https://example.com/owner/v1"
	owned, err := domainxml.Marshal(domainxml.Spec{Name: "packer-owned", Type: "test", Machine: "pc", MemoryMiB: 256, VCPUs: 1,
		Metadata: `<owner xmlns="` + ns + `" pid="42"/>`})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{owned, testDomainXML(t, "packer-unowned")} {
		if err := c.DefineDomain(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		c.UndefineDomain(ctx, "packer-owned")
		c.UndefineDomain(ctx, "packer-unowned")
	})
	got, err := c.OwnedDomains(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "packer-owned" || !strings.HasPrefix(got[0].Metadata, "<owner") || !strings.Contains(got[0].Metadata, `pid="42"`) {
		t.Errorf("OwnedDomains = %+v", got)
	}
}
