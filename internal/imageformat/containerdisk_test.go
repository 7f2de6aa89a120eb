package imageformat

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// writeTestContainerDisk writes a containerDisk of a small disk.
func writeTestContainerDisk(t *testing.T, reference string) (Source, Written) {
	t.Helper()
	src := testSource(t)
	path := filepath.Join(t.TempDir(), "image.containerdisk.tar")
	written, err := WriteAll(context.Background(), src, []Output{{Format: "containerdisk", Path: path, Name: "image", Compression: "zstd", Reference: reference}}, Options{Scratch: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return src, written[0]
}

// untar unpacks the archive at path into a new directory.
func untar(t *testing.T, path string) string {
	t.Helper()
	dir := t.TempDir()
	for _, e := range readTar(t, path) {
		target := filepath.Join(dir, filepath.FromSlash(e.hdr.Name))
		if e.hdr.Typeflag == tar.TypeDir {
			os.MkdirAll(target, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(target), 0o755)
		if err := os.WriteFile(target, e.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The archive is an OCI image layout go-containerregistry's validate
// package accepts: one linux/amd64 image in OCI media types, named by its
// tag, whose one layer holds the disk in /disk/ owned by KubeVirt's qemu
// user.
func TestContainerDiskIsAValidOCIImage(t *testing.T) {
	src, w := writeTestContainerDisk(t, "registry.example.com/images/centos-stream9:9.6")
	idx, err := layout.ImageIndexFromPath(untar(t, w.Path))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate: %v", err)
	}
	manifest, _ := idx.IndexManifest()
	if len(manifest.Manifests) != 1 {
		t.Fatalf("index lists %d images", len(manifest.Manifests))
	}
	desc := manifest.Manifests[0]
	if desc.Annotations[refNameAnnotation] != "9.6" || desc.Annotations[imageNameAnnotation] != "registry.example.com/images/centos-stream9:9.6" {
		t.Errorf("annotations %v", desc.Annotations)
	}
	if desc.MediaType != types.OCIManifestSchema1 || desc.Digest.String() != w.ImageDigest() {
		t.Errorf("descriptor %+v, want an OCI manifest of digest %s", desc, w.ImageDigest())
	}
	img, _ := idx.Image(desc.Digest)
	cfg, _ := img.ConfigFile()
	if cfg.Architecture != "amd64" || cfg.OS != "linux" {
		t.Errorf("platform %s/%s", cfg.OS, cfg.Architecture)
	}
	layers, _ := img.Layers()
	if len(layers) != 1 {
		t.Fatalf("%d layers", len(layers))
	}
	if mt, _ := layers[0].MediaType(); mt != types.OCILayer {
		t.Errorf("layer media type %s", mt)
	}
	rc, _ := layers[0].Uncompressed()
	defer rc.Close()
	tr := tar.NewReader(rc)
	var entries []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, hdr.Name)
		if hdr.Uid != 107 || hdr.Gid != 107 {
			t.Errorf("%s owned by %d:%d, want 107:107", hdr.Name, hdr.Uid, hdr.Gid)
		}
		if hdr.Typeflag == tar.TypeReg {
			disk := filepath.Join(t.TempDir(), "disk.qcow2")
			f, _ := os.Create(disk)
			io.Copy(f, tr)
			f.Close()
			if diff, err := qemuimg.Compare(context.Background(), src.Path, src.Format, disk, "qcow2"); diff != "" || err != nil {
				t.Errorf("the layer's disk differs from the source: %q %v", diff, err)
			}
		}
	}
	if strings.Join(entries, " ") != "disk/ disk/image.qcow2" {
		t.Errorf("layer entries %v", entries)
	}
}

func TestContainerDiskNamesWithoutRepository(t *testing.T) {
	for _, tt := range []struct{ ref, tag, full string }{
		{"", "latest", ""},
		{"v1", "v1", ""},
		{"localhost:5000/c", "latest", "localhost:5000/c:latest"},
		{"quay.io/org/centos:stream9", "stream9", "quay.io/org/centos:stream9"},
	} {
		tag, full, err := refNames(tt.ref)
		if err != nil || tag != tt.tag || full != tt.full {
			t.Errorf("refNames(%q) = %q, %q, %v; want %q, %q", tt.ref, tag, full, err, tt.tag, tt.full)
		}
	}
}

// Pushed to a registry and pulled back, the image is the one in the
// archive, digest for digest.
func TestContainerDiskPush(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, w := writeTestContainerDisk(t, "")
	pushed, err := w.Push(context.Background(), host+"/images/centos:test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if pushed != host+"/images/centos@"+w.ImageDigest() {
		t.Errorf("pushed %s, want the repository by digest %s", pushed, w.ImageDigest())
	}
	ref, _ := name.ParseReference(host + "/images/centos:test")
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("validate the pulled image: %v", err)
	}
	if d, _ := img.Digest(); d.String() != w.ImageDigest() {
		t.Errorf("pulled digest %s, pushed %s", d, w.ImageDigest())
	}
}

// Credentials come from the Docker config, as docker and podman keep
// them; without them a registry that wants them refuses the push, and
// the error says where to.
func TestContainerDiskPushCredentials(t *testing.T) {
	const user, password = "builder", "s3cret-Pa55"
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, w := writeTestContainerDisk(t, "")

	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("REGISTRY_AUTH_FILE", filepath.Join(t.TempDir(), "none.json"))
	_, err := w.Push(context.Background(), host+"/images/centos:test", nil)
	if err == nil || !strings.Contains(err.Error(), "push image.containerdisk.tar to "+host+"/images/centos:test") {
		t.Fatalf("push without credentials: %v", err)
	}
	if strings.Contains(err.Error(), password) {
		t.Error("the error shows the password")
	}

	config := filepath.Join(t.TempDir())
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	os.WriteFile(filepath.Join(config, "config.json"), []byte(`{"auths":{"`+host+`":{"auth":"`+auth+`"}}}`), 0o600)
	t.Setenv("DOCKER_CONFIG", config)
	if _, err := w.Push(context.Background(), host+"/images/centos:test", nil); err != nil {
		t.Fatalf("push with the Docker config's credentials: %v", err)
	}
}

// A changed byte anywhere in the layer, or a missing index, is found
// when the disk is read back.
func TestOpenContainerDiskRefuses(t *testing.T) {
	_, w := writeTestContainerDisk(t, "")
	entries := readTar(t, w.Path)
	tests := []struct {
		name  string
		edit  func([]tarEntry) []tarEntry
		error string
	}{
		{"a flipped layer byte", func(e []tarEntry) []tarEntry {
			// The layer is the largest blob.
			largest := e[0]
			for _, x := range e {
				if len(x.data) > len(largest.data) {
					largest = x
				}
			}
			largest.data[len(largest.data)/2] ^= 1
			return e
		}, "layer"},
		{"no index", func(e []tarEntry) []tarEntry {
			var out []tarEntry
			for _, x := range e {
				if x.hdr.Name != "index.json" {
					out = append(out, x)
				}
			}
			return out
		}, "no index.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c []tarEntry
			for _, e := range entries {
				h := *e.hdr
				c = append(c, tarEntry{&h, append([]byte(nil), e.data...)})
			}
			path := filepath.Join(t.TempDir(), "bad.tar")
			writeTar(t, path, tt.edit(c))
			_, err := OpenDisk(context.Background(), path, "containerdisk", t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tt.error) {
				t.Errorf("OpenDisk = %v, want %q", err, tt.error)
			}
		})
	}
}
