package imageformat

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
)

// A KubeVirt containerDisk is an OCI image whose one layer holds the disk
// in /disk/, owned by the qemu user of KubeVirt's virt-launcher (uid and
// gid 107), which reads it from there.
const (
	containerDiskDir = "disk"
	kubevirtQemuID   = 107
	// The builder makes x86_64 guests only.
	containerDiskArch = "amd64"
	// refNameAnnotation names an image in an OCI image layout: what
	// `skopeo copy oci-archive:<file>:<name>` selects by.
	refNameAnnotation = "org.opencontainers.image.ref.name"
	// imageNameAnnotation is the whole reference, which containerd and
	// podman name a loaded image by.
	imageNameAnnotation = "io.containerd.image.name"
)

// ociImage is a containerDisk image as written, for Push: the image,
// which reads its layer from the layout in the job's scratch directory,
// and its digest.
type ociImage struct {
	image  v1.Image
	digest string
}

// writeContainerDisk writes a KubeVirt containerDisk as an OCI image
// layout archive (what `podman load` and `skopeo copy oci-archive:` read):
// the disk as qcow2 with the output's compression (the qcow2 output's,
// when there is one of that compression), in /disk/ owned by 107:107, one
// gzip'd layer, an amd64/linux image config.
func writeContainerDisk(ctx context.Context, j *job) (int64, error) {
	diskName := j.out.Name + ".qcow2"
	qcow, err := j.reused(ctx)
	if err != nil {
		return 0, err
	}
	if qcow == "" {
		qcow = filepath.Join(j.scratch, diskName)
		if err := j.qcow2(ctx, qcow, j.stage(0, 0.6)); err != nil {
			return 0, err
		}
		// Gone once the layer holds it: the disk is shared with the
		// other outputs.
		defer os.Remove(qcow)
	}
	dir := filepath.Join(j.scratch, "oci")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return 0, fmt.Errorf("create the OCI image layout: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	layer, err := writeDiskLayer(ctx, qcow, diskName, filepath.Join(dir, "blobs", "sha256"), now, j.stage(0.6, 0.9))
	if err != nil {
		return 0, err
	}
	img, err := containerDiskImage(layer, now)
	if err != nil {
		return 0, err
	}
	tag, full, err := refNames(j.out.Reference)
	if err != nil {
		return 0, err
	}
	annotations := map[string]string{refNameAnnotation: tag}
	if full != "" {
		annotations[imageNameAnnotation] = full
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(annotations)); err != nil {
		return 0, fmt.Errorf("write the OCI image layout: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return 0, err
	}
	if err := writeFile(j.out.Path, func(f *os.File) error { return tarLayout(ctx, dir, f, j.stage(0.9, 1)) }); err != nil {
		return 0, fmt.Errorf("write the OCI archive: %w", err)
	}
	j.image = &ociImage{image: img, digest: digest.String()}
	return j.src.VirtualSize, nil
}

// containerDiskImage is the image of one layer, in OCI media types, for
// linux/amd64.
func containerDiskImage(layer v1.Layer, created time.Time) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: created}, CreatedBy: "packer-plugin-centos: the disk in /" + containerDiskDir + "/", Comment: "KubeVirt containerDisk"},
	})
	if err != nil {
		return nil, fmt.Errorf("build the image: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("build the image: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.Architecture, cfg.OS, cfg.Created = containerDiskArch, "linux", v1.Time{Time: created}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("build the image: %w", err)
	}
	return img, nil
}

// refNames is the tag an image is named by in its layout ("latest" when
// reference has none) and the whole reference ("" when reference is
// only a tag or empty).
func refNames(reference string) (tag, full string, err error) {
	if reference == "" {
		return "latest", "", nil
	}
	if !strings.ContainsAny(reference, "/:.") {
		return reference, "", nil
	}
	ref, err := name.NewTag(reference)
	if err != nil {
		return "", "", fmt.Errorf("repository %q: %w", reference, err)
	}
	return ref.TagStr(), ref.Name(), nil
}

// diskLayer is a gzip'd layer blob on disk whose digests were taken as
// it was written.
type diskLayer struct {
	path           string
	digest, diffID v1.Hash
	size           int64
}

func (l *diskLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *diskLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *diskLayer) Size() (int64, error)                { return l.size, nil }
func (l *diskLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }
func (l *diskLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }
func (l *diskLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{gz, f}, nil
}

// writeDiskLayer writes the layer — a tar of /disk/ with disk in it as
// diskName — gzip'd into blobs, named by its digest as an OCI layout
// names blobs. It reads disk once, hashing the tar and the gzip stream on
// the way.
func writeDiskLayer(ctx context.Context, disk, diskName, blobs string, mtime time.Time, progress func(float64)) (*diskLayer, error) {
	src, err := os.Open(disk)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(blobs, "layer-*.tmp")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	diffID, digest := sha256.New(), sha256.New()
	compressed := &countWriter{w: io.MultiWriter(tmp, digest)}
	gz, err := gzip.NewWriterLevel(compressed, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(io.MultiWriter(gz, diffID))
	owner := func(h *tar.Header) *tar.Header {
		h.Uid, h.Gid, h.ModTime = kubevirtQemuID, kubevirtQemuID, mtime
		return h
	}
	err = tw.WriteHeader(owner(&tar.Header{Name: containerDiskDir + "/", Typeflag: tar.TypeDir, Mode: 0o555}))
	if err == nil {
		err = tw.WriteHeader(owner(&tar.Header{Name: containerDiskDir + "/" + diskName, Typeflag: tar.TypeReg, Mode: 0o440, Size: fi.Size()}))
	}
	if err == nil {
		_, err = io.Copy(tw, counting(ctxio.Reader(ctx, src), fi.Size(), progress))
	}
	for _, c := range []io.Closer{tw, gz, tmp} {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("write the containerDisk layer: %w", err)
	}
	l := &diskLayer{
		digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(digest.Sum(nil))},
		diffID: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(diffID.Sum(nil))},
		size:   compressed.n,
	}
	l.path = filepath.Join(blobs, l.digest.Hex)
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return nil, err
	}
	return l, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// tarLayout writes the OCI image layout in dir as a tar: oci-layout and
// index.json first, then the blobs.
func tarLayout(ctx context.Context, dir string, w io.Writer, progress func(float64)) error {
	names := []string{"oci-layout", "index.json"}
	blobs, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		return err
	}
	var total int64
	for _, b := range blobs {
		names = append(names, path.Join("blobs", "sha256", b.Name()))
		if fi, err := b.Info(); err == nil {
			total += fi.Size()
		}
	}
	tw := tar.NewWriter(w)
	for _, dirName := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Name: dirName, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: time.Now()}); err != nil {
			return err
		}
	}
	var done int64
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return err
		}
		fi, err := f.Stat()
		if err == nil {
			err = tarFile(tw, n, fi.ModTime(), fi.Size(), ctxio.Reader(ctx, f), nil)
		}
		f.Close()
		if err != nil {
			return err
		}
		if strings.HasPrefix(n, "blobs/") && total > 0 {
			done += fi.Size()
			progress(float64(done) / float64(total))
		}
	}
	return tw.Close()
}

// Push pushes a containerdisk output's image to reference, a repository
// with an optional tag ("latest" by default), with the credentials Docker
// and podman would use (the Docker config in $DOCKER_CONFIG or
// ~/.docker, its credential helpers, podman's auth.json). Registries on
// loopback are spoken to over plain HTTP, all others over HTTPS. It
// returns the image's reference by digest.
func (w Written) Push(ctx context.Context, reference string, progress func(float64)) (string, error) {
	if w.image == nil {
		return "", fmt.Errorf("push %s: only a containerdisk output can be pushed", w.Path)
	}
	ref, err := name.NewTag(reference)
	if err != nil {
		return "", fmt.Errorf("push to %q: %w", reference, err)
	}
	updates := make(chan v1.Update, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range updates {
			if u.Total > 0 && progress != nil {
				progress(float64(u.Complete) / float64(u.Total))
			}
		}
	}()
	err = remote.Write(ref, w.image.image, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithProgress(updates))
	<-done
	if err != nil {
		return "", fmt.Errorf("push %s to %s: %w", filepath.Base(w.Path), ref.Name(), err)
	}
	return ref.Context().Digest(w.image.digest).String(), nil
}

// ImageDigest is a containerdisk output's image digest ("sha256:…"),
// empty for other outputs.
func (w Written) ImageDigest() string {
	if w.image == nil {
		return ""
	}
	return w.image.digest
}

// openContainerDisk checks the OCI image layout archive at path — one
// image, OCI media types, one layer, every blob's digest and the layer's
// diff id right — and unpacks the disk under /disk/ in its layer into
// dir. It reads the archive twice: first the small blobs, then the layer.
func openContainerDisk(ctx context.Context, path, dir string) (Disk, error) {
	small, err := readSmallEntries(ctx, path, 4<<20)
	if err != nil {
		return Disk{}, err
	}
	index, ok := small["index.json"]
	if !ok {
		return Disk{}, fmt.Errorf("no index.json: not an OCI image layout archive")
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(index))
	if err != nil {
		return Disk{}, fmt.Errorf("read index.json: %w", err)
	}
	if len(idx.Manifests) != 1 || idx.Manifests[0].MediaType != types.OCIManifestSchema1 {
		return Disk{}, fmt.Errorf("index.json lists %d manifests, want one OCI image manifest", len(idx.Manifests))
	}
	manifestBytes, err := blob(small, idx.Manifests[0].Digest)
	if err != nil {
		return Disk{}, err
	}
	manifest, err := v1.ParseManifest(bytes.NewReader(manifestBytes))
	if err != nil {
		return Disk{}, fmt.Errorf("read the image manifest: %w", err)
	}
	if len(manifest.Layers) != 1 {
		return Disk{}, fmt.Errorf("the image has %d layers, a containerDisk one", len(manifest.Layers))
	}
	configBytes, err := blob(small, manifest.Config.Digest)
	if err != nil {
		return Disk{}, err
	}
	config, err := v1.ParseConfigFile(bytes.NewReader(configBytes))
	if err != nil {
		return Disk{}, fmt.Errorf("read the image config: %w", err)
	}
	if len(config.RootFS.DiffIDs) != 1 {
		return Disk{}, fmt.Errorf("the image config lists %d layers, want one", len(config.RootFS.DiffIDs))
	}
	disk, err := unpackLayerDisk(ctx, path, manifest.Layers[0].Digest, config.RootFS.DiffIDs[0], dir)
	disk.ImageDigest = idx.Manifests[0].Digest.String()
	return disk, err
}

// readSmallEntries reads the archive's files of at most limit bytes.
func readSmallEntries(ctx context.Context, archive string, limit int64) (map[string][]byte, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries := map[string][]byte{}
	tr := tar.NewReader(ctxio.Reader(ctx, f))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the tar archive: %w", err)
		}
		if hdr.Typeflag == tar.TypeReg && hdr.Size <= limit {
			if entries[path.Clean(hdr.Name)], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
}

// blob is the small blob of digest d, checked against it.
func blob(small map[string][]byte, d v1.Hash) ([]byte, error) {
	b, ok := small[path.Join("blobs", d.Algorithm, d.Hex)]
	if !ok {
		return nil, fmt.Errorf("blob %s is missing", d)
	}
	if got := sha256Hex(b); d.Algorithm != "sha256" || got != d.Hex {
		return nil, fmt.Errorf("blob %s holds content of digest sha256:%s", d, got)
	}
	return b, nil
}

// unpackLayerDisk finds the layer blob of digest in the archive, checks
// its digest and diff id while reading it, and unpacks the one disk file
// under /disk/ into dir.
func unpackLayerDisk(ctx context.Context, archive string, digest, diffID v1.Hash, dir string) (Disk, error) {
	f, err := os.Open(archive)
	if err != nil {
		return Disk{}, err
	}
	defer f.Close()
	tr := tar.NewReader(ctxio.Reader(ctx, f))
	want := path.Join("blobs", digest.Algorithm, digest.Hex)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return Disk{}, fmt.Errorf("the layer blob %s is missing", digest)
		}
		if err != nil {
			return Disk{}, fmt.Errorf("read the tar archive: %w", err)
		}
		if path.Clean(hdr.Name) == want {
			return unpackLayer(tr, digest, diffID, dir)
		}
	}
}

func unpackLayer(r io.Reader, digest, diffID v1.Hash, dir string) (Disk, error) {
	compressed, uncompressed := sha256.New(), sha256.New()
	gz, err := gzip.NewReader(io.TeeReader(r, compressed))
	if err != nil {
		return Disk{}, fmt.Errorf("the layer is not gzip-compressed: %w", err)
	}
	layer := io.TeeReader(gz, uncompressed)
	tr := tar.NewReader(layer)
	var disk Disk
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Disk{}, fmt.Errorf("read the layer: %w", err)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "/"))
		if hdr.Typeflag == tar.TypeDir && name == containerDiskDir {
			continue
		}
		switch {
		case hdr.Typeflag != tar.TypeReg || path.Dir(name) != containerDiskDir || !strings.HasSuffix(name, ".qcow2"):
			return Disk{}, fmt.Errorf("the layer holds %q: a containerDisk holds only a qcow2 in /%s/", hdr.Name, containerDiskDir)
		case hdr.Uid != kubevirtQemuID || hdr.Gid != kubevirtQemuID:
			return Disk{}, fmt.Errorf("/%s is owned by %d:%d, not KubeVirt's qemu user %d:%d", name, hdr.Uid, hdr.Gid, kubevirtQemuID, kubevirtQemuID)
		case disk.Path != "":
			return Disk{}, fmt.Errorf("the layer holds a second disk, /%s", name)
		}
		disk = Disk{Path: filepath.Join(dir, path.Base(name)), Format: "qcow2"}
		if err := writeFile(disk.Path, func(out *os.File) error { _, err := io.Copy(out, tr); return err }); err != nil {
			return Disk{}, fmt.Errorf("unpack /%s: %w", name, err)
		}
	}
	// The rest of the stream (tar padding, gzip trailer) counts too.
	if _, err := io.Copy(io.Discard, layer); err != nil {
		return Disk{}, fmt.Errorf("read the layer: %w", err)
	}
	if _, err := io.Copy(io.Discard, io.TeeReader(r, compressed)); err != nil {
		return Disk{}, err
	}
	if err := checkHash(compressed, digest, "layer digest"); err != nil {
		return Disk{}, err
	}
	if err := checkHash(uncompressed, diffID, "layer diff id"); err != nil {
		return Disk{}, err
	}
	if disk.Path == "" {
		return Disk{}, fmt.Errorf("the layer holds no disk in /%s/", containerDiskDir)
	}
	return disk, nil
}

func checkHash(h hash.Hash, want v1.Hash, what string) error {
	if got := hex.EncodeToString(h.Sum(nil)); want.Algorithm != "sha256" || got != want.Hex {
		return fmt.Errorf("the %s is %s, the content's is sha256:%s", what, want, got)
	}
	return nil
}
