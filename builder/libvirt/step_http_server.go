package libvirt

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"path"
	"sync"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	sdknet "github.com/hashicorp/packer-plugin-sdk/net"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// kickstartPath is where the kickstart is served.
const kickstartPath = "/ks.cfg"

// listenTimeout bounds the search for a free port; tests shorten it.
var listenTimeout = 10 * time.Second

// stepHTTPServer serves the kickstart, and http_directory or http_content
// next to it, to the installer. It listens on the libvirt network's bridge
// address only (or http_bind_address), on a port from the SDK's port
// range, answers only the guest (see guestOnly), and reports each
// kickstart fetch with the address that made it. It starts once the
// guest's address is reserved.
type stepHTTPServer struct {
	server *http.Server
}

func (s *stepHTTPServer) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	addr := cfg.HTTPAddress
	if cfg.bindDefault {
		if !r.Guest.Host.Network.Gateway.IsValid() {
			return guestrun.Fail(state, fmt.Errorf("network %s has no IPv4 address of this host to serve the kickstart on; set http_bind_address or kickstart_delivery = \"cdrom\"", r.Guest.Host.Network.Name))
		}
		addr = r.Guest.Host.Network.Gateway.String()
	}
	// The SDK retries busy ports until its context ends; an address this
	// host does not have would be retried forever.
	listenCtx, cancel := context.WithTimeout(ctx, listenTimeout)
	defer cancel()
	l, err := sdknet.ListenRangeConfig{Min: cfg.HTTPPortMin, Max: cfg.HTTPPortMax, Addr: addr, Network: cfg.HTTPNetworkProtocol}.Listen(listenCtx)
	if err != nil {
		return guestrun.Fail(state, fmt.Errorf("start the kickstart HTTP server on %s, ports %d-%d: %w", addr, cfg.HTTPPortMin, cfg.HTTPPortMax, err))
	}
	s.server = &http.Server{Handler: guestOnly(r, kickstartHandler(r, files(cfg.HTTPConfig)))}
	go s.server.Serve(l)
	r.httpIP, r.httpPort = addr, l.Port
	r.UI.Say(fmt.Sprintf("Serving the kickstart at http://%s%s", net.JoinHostPort(addr, fmt.Sprint(l.Port)), kickstartPath))
	return multistep.ActionContinue
}

// files is what http_directory or http_content serve, with the SDK's own
// handlers.
func files(c commonsteps.HTTPConfig) http.Handler {
	if c.HTTPDir != "" {
		return http.FileServer(http.Dir(c.HTTPDir))
	}
	return commonsteps.MapServer(c.HTTPContent)
}

// kickstartHandler serves the kickstart at kickstartPath and everything
// else from next, reporting each address that fetches the kickstart.
func kickstartHandler(r *buildRun, next http.Handler) http.Handler {
	var mu sync.Mutex
	seen := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ks := r.kickstartFile()
		if path.Clean(req.URL.Path) != kickstartPath || len(ks) == 0 {
			next.ServeHTTP(w, req)
			return
		}
		host, _, _ := net.SplitHostPort(req.RemoteAddr)
		mu.Lock()
		if !seen[host] {
			seen[host] = true
			r.UI.Say(fmt.Sprintf("%s fetched the kickstart", host))
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.Write(ks)
	})
}

// guestOnly passes on the requests of the guest's reserved address and
// refuses every other client with 403, reporting each refused address
// once (and every refusal in the debug log): what is served may hold a
// password hash and the build's SSH key. Without a reservation (a network
// without libvirt DHCP) the guest's address is not known beforehand and
// any address of the network's subnet is served.
func guestOnly(r *buildRun, next http.Handler) http.Handler {
	g := r.Guest
	allowed, who := func(netip.Addr) bool { return true }, "anyone"
	switch subnet := g.Host.Network.Subnet; {
	case g.Reserved:
		allowed, who = func(a netip.Addr) bool { return a == g.IP }, "the guest at "+g.IP.String()
	case subnet.IsValid():
		allowed, who = subnet.Contains, "network "+g.Host.Network.Name+" ("+subnet.String()+")"
	}
	var mu sync.Mutex
	refused := map[netip.Addr]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		client, err := netip.ParseAddrPort(req.RemoteAddr)
		addr := client.Addr().Unmap()
		if err == nil && allowed(addr) {
			next.ServeHTTP(w, req)
			return
		}
		log.Printf("[INFO] kickstart server: refused %s %s from %s", req.Method, req.URL.Path, req.RemoteAddr)
		mu.Lock()
		first := !refused[addr]
		refused[addr] = true
		mu.Unlock()
		if first {
			r.UI.Say(fmt.Sprintf("Refused a request for %s from %s: the kickstart server answers only %s", req.URL.Path, addr, who))
		}
		http.Error(w, "forbidden: this server answers only the guest being built", http.StatusForbidden)
	})
}

func (s *stepHTTPServer) Cleanup(state multistep.StateBag) {
	if s.server == nil {
		return
	}
	// Closing the server closes the SDK listener, which frees its port lock.
	if err := s.server.Close(); err != nil {
		runOf(state).UI.Error(fmt.Sprintf("Could not close the kickstart HTTP server: %v", err))
	}
	s.server = nil
}
