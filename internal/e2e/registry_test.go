//go:build e2e

package e2e

import (
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// containerRegistry is an OCI registry (go-containerregistry's, in this
// process) on loopback inside the test world for the whole run, which
// takes only requests with its user's password, as a private registry
// does. dockerConfig is a Docker config directory holding that login, as
// `docker login` would leave it: builds find it through $DOCKER_CONFIG.
type containerRegistry struct {
	host         string
	user         string
	password     string
	dockerConfig string
}

var theRegistry struct {
	once sync.Once
	r    *containerRegistry
	err  error
}

func (w *world) registry(t *testing.T) *containerRegistry {
	t.Helper()
	theRegistry.once.Do(func() { theRegistry.r, theRegistry.err = startRegistry() })
	if theRegistry.err != nil {
		t.Fatalf("start the registry: %v", theRegistry.err)
	}
	return theRegistry.r
}

func startRegistry() (*containerRegistry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &containerRegistry{host: ln.Addr().String(), user: "ci-builder", password: "e2e-Registry-Pa55word"}
	if r.dockerConfig, err = os.MkdirTemp("", "packer-centos-e2e-docker-"); err != nil {
		return nil, err
	}
	auth := base64.StdEncoding.EncodeToString([]byte(r.user + ":" + r.password))
	config := `{"auths":{"` + r.host + `":{"auth":"` + auth + `"}}}`
	if err := os.WriteFile(filepath.Join(r.dockerConfig, "config.json"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	images := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	go http.Serve(ln, http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); !ok || u != r.user || p != r.password {
			rw.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
			http.Error(rw, "unauthorized", http.StatusUnauthorized)
			return
		}
		images.ServeHTTP(rw, req)
	}))
	cleanups = append(cleanups, func() { ln.Close(); os.RemoveAll(r.dockerConfig) })
	return r, nil
}

// env is what a packer run needs to push there.
func (r *containerRegistry) env() map[string]string {
	return map[string]string{"DOCKER_CONFIG": r.dockerConfig}
}
