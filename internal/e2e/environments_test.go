//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestEnvironmentParity checks the stand-in pipeline's outputs for every
// target against that target's rules with tools other than the plugin's
// own — qemu-img, GNU tar, sha256sum, skopeo, a pull from the registry
// the build pushed to — and that centos-verify proved each one holds the
// verified disk, before it booted it.
func TestEnvironmentParity(t *testing.T) {
	w := requireWorld(t)
	p := standinPipeline(t, w)
	if p.code != 0 {
		t.Fatalf("the pipeline failed (exit %d):\n%s", p.code, p.out)
	}
	out := filepath.Join(p.dir, "output-standin")
	primary := filepath.Join(out, "standin.qcow2")
	const size = 3 << 30 // the template's disk_size

	// GNU tar reads the whole gce archive, 3 GiB through gunzip: it
	// runs beside the other checks.
	gceList := make(chan tarListing, 1)
	go func() {
		list, err := exec.Command("tar", "--list", "--verbose", "--numeric-owner", "-zf", filepath.Join(out, "standin.tar.gz")).Output()
		gceList <- tarListing{string(list), err}
	}()

	// One checksum file covers every output, in sha256sum's own format.
	// sha256sum checks the compact ones; the raw and VHD outputs are
	// 3 GiB of mostly holes, which it would read byte by byte, and verify
	// checked them against it already.
	sums, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	var names, compact []string
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		_, name, _ := strings.Cut(line, "  ")
		names = append(names, name)
		if name != "standin.raw" && name != "standin.vhd" {
			compact = append(compact, line)
		}
	}
	if want := "standin.qcow2 standin.raw standin.vmdk standin.vhd standin.vhdx standin.tar.gz standin.ova standin.containerdisk.tar"; strings.Join(names, " ") != want {
		t.Errorf("SHA256SUMS lists %v, want %s", names, want)
	}
	check := exec.Command("sha256sum", "--check", "--strict", "-")
	check.Dir, check.Stdin = out, strings.NewReader(strings.Join(compact, "\n")+"\n")
	if res, err := check.CombinedOutput(); err != nil || strings.Count(string(res), ": OK\n") != 6 {
		t.Errorf("sha256sum --check: %v\n%s", err, res)
	}

	t.Run("raw", func(t *testing.T) {
		if info := qemuImgInfoAs(t, filepath.Join(out, "standin.raw"), "raw"); info.VirtualSize != size {
			t.Errorf("raw output: %+v", info)
		}
	})
	t.Run("vmdk is streamOptimized", func(t *testing.T) {
		info := qemuImgInfoAs(t, filepath.Join(out, "standin.vmdk"), "vmdk")
		if info.Format != "vmdk" || info.CreateType != "streamOptimized" || info.VirtualSize != size {
			t.Errorf("vmdk output: %+v, want a streamOptimized VMDK of 3 GiB", info)
		}
	})
	t.Run("vhd is fixed, whole MiB, as Azure wants", func(t *testing.T) {
		vhd := filepath.Join(out, "standin.vhd")
		data := make([]byte, 512)
		f, err := os.Open(vhd)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, _ := f.Stat()
		f.ReadAt(data, fi.Size()-512)
		// The footer of Microsoft's VHD specification, read here by hand.
		cookie, diskType, current := string(data[:8]), binary.BigEndian.Uint32(data[60:64]), int64(binary.BigEndian.Uint64(data[48:56]))
		if cookie != "conectix" || diskType != 2 || current != size || current%(1<<20) != 0 || fi.Size() != current+512 {
			t.Errorf("VHD footer: cookie %q, disk type %d (want 2, fixed), current size %d, file %d bytes", cookie, diskType, current, fi.Size())
		}
		if info := qemuImgInfoAs(t, vhd, "vpc"); info.VirtualSize != size {
			t.Errorf("qemu-img reads the VHD as %d bytes", info.VirtualSize)
		}
	})
	t.Run("vhdx is dynamic", func(t *testing.T) {
		vhdx := filepath.Join(out, "standin.vhdx")
		info := qemuImgInfoAs(t, vhdx, "vhdx")
		fi, _ := os.Stat(vhdx)
		if info.VirtualSize != size || fi.Size() >= size {
			t.Errorf("vhdx output: %+v, file %d bytes; want a dynamic VHDX of 3 GiB", info, fi.Size())
		}
	})
	t.Run("ova holds descriptor, disk, manifest", func(t *testing.T) {
		ova := filepath.Join(out, "standin.ova")
		list, err := exec.Command("tar", "--list", "-f", ova).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Fields(string(list)); strings.Join(got, " ") != "standin.ovf standin-disk1.vmdk standin.mf" {
			t.Fatalf("the OVA holds %v, want the descriptor, the disk and the manifest in that order", got)
		}
		dir := t.TempDir()
		if b, err := exec.Command("tar", "-xf", ova, "-C", dir).CombinedOutput(); err != nil {
			t.Fatalf("unpack: %v\n%s", err, b)
		}
		manifest, _ := os.ReadFile(filepath.Join(dir, "standin.mf"))
		for _, f := range []string{"standin.ovf", "standin-disk1.vmdk"} {
			if line := "SHA256(" + f + ")= " + fileSHA256(t, filepath.Join(dir, f)); !strings.Contains(string(manifest), line) {
				t.Errorf("the manifest lacks %q:\n%s", line, manifest)
			}
		}
		ovf, _ := os.ReadFile(filepath.Join(dir, "standin.ovf"))
		for _, want := range []string{"<rasd:VirtualQuantity>2</rasd:VirtualQuantity>", "<rasd:VirtualQuantity>1024</rasd:VirtualQuantity>", `vmw:value="bios"`, `ovf:capacity="3221225472"`} {
			if !bytes.Contains(ovf, []byte(want)) {
				t.Errorf("the OVF descriptor lacks %s", want)
			}
		}
		if info := qemuImgInfoAs(t, filepath.Join(dir, "standin-disk1.vmdk"), "vmdk"); info.CreateType != "streamOptimized" {
			t.Errorf("the OVA's disk: %+v", info)
		}
	})
	archive := filepath.Join(out, "standin.containerdisk.tar")
	var archiveDigest string
	t.Run("containerdisk is an OCI archive skopeo reads", func(t *testing.T) {
		raw, err := exec.Command("skopeo", "inspect", "--raw", "oci-archive:"+archive).Output()
		if err != nil {
			t.Fatalf("skopeo inspect: %v", err)
		}
		var manifest struct {
			MediaType string `json:"mediaType"`
			Layers    []struct {
				MediaType string `json:"mediaType"`
			} `json:"layers"`
		}
		json.Unmarshal(raw, &manifest)
		if manifest.MediaType != "application/vnd.oci.image.manifest.v1+json" || len(manifest.Layers) != 1 || manifest.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
			t.Errorf("manifest %s", raw)
		}
		archiveDigest = sha256Digest(raw)
		config, err := exec.Command("skopeo", "inspect", "--config", "oci-archive:"+archive).Output()
		var platform struct{ Architecture, OS string }
		if json.Unmarshal(config, &platform); err != nil || platform.Architecture != "amd64" || platform.OS != "linux" {
			t.Errorf("skopeo inspect --config: %v\n%s", err, config)
		}
		// A copy checks every blob against its digest.
		dir := filepath.Join(t.TempDir(), "copy")
		if b, err := exec.Command("skopeo", "copy", "--quiet", "oci-archive:"+archive, "dir:"+dir).CombinedOutput(); err != nil {
			t.Fatalf("skopeo copy: %v\n%s", err, b)
		}
		var layer string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if fi, _ := e.Info(); fi.Size() > 1<<20 {
				layer = filepath.Join(dir, e.Name())
			}
		}
		list, err := exec.Command("tar", "--list", "--verbose", "--numeric-owner", "-zf", layer).Output()
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(list)), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], " 107/107 ") || !strings.HasSuffix(lines[0], " disk/") ||
			!strings.Contains(lines[1], " 107/107 ") || !strings.HasSuffix(lines[1], " disk/standin.qcow2") {
			t.Errorf("the layer holds\n%s\nwant disk/ and disk/standin.qcow2, owned by 107/107", list)
		}
	})
	t.Run("the pushed containerdisk is the archive's, and the disk", func(t *testing.T) {
		reg := w.registry(t)
		ref, err := name.ParseReference(reg.host + standinRepository)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(ref, remote.WithAuth(&authn.Basic{Username: reg.user, Password: reg.password}))
		if err != nil {
			t.Fatalf("pull %s: %v", ref, err)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("the pulled image is not valid: %v", err)
		}
		digest, _ := img.Digest()
		if archiveDigest != "" && digest.String() != archiveDigest {
			t.Errorf("pulled %s, the archive holds %s", digest, archiveDigest)
		}
		if want := "Pushed " + reg.host + "/images/centos-stream9@" + digest.String(); !strings.Contains(p.out, want) {
			t.Errorf("the build does not say %q", want)
		}
		layers, _ := img.Layers()
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		tr := tar.NewReader(rc)
		disk := filepath.Join(t.TempDir(), "pulled.qcow2")
		for {
			hdr, err := tr.Next()
			if err != nil {
				t.Fatalf("no disk in the pulled layer: %v", err)
			}
			if hdr.Name == "disk/standin.qcow2" {
				f, _ := os.Create(disk)
				io.Copy(f, tr)
				f.Close()
				break
			}
		}
		if b, err := exec.Command("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", primary, disk).CombinedOutput(); err != nil {
			t.Errorf("qemu-img compare of the primary and the pulled disk: %v\n%s", err, b)
		}
	})

	t.Run("gce is disk.raw alone in a gzip'd GNU tar, whole GiB", func(t *testing.T) {
		archive := filepath.Join(out, "standin.tar.gz")
		list := <-gceList
		if list.err != nil {
			t.Fatal(list.err)
		}
		if fields := strings.Fields(list.out); len(fields) != 6 || fields[5] != "disk.raw" || fields[2] != "3221225472" {
			t.Errorf("GNU tar lists %q, want disk.raw alone, 3 GiB", list.out)
		}
		f, _ := os.Open(archive)
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		header := make([]byte, 512)
		io.ReadFull(gz, header)
		if magic := string(header[257:265]); magic != "ustar  \x00" {
			t.Errorf("tar magic %q, want GNU's oldgnu %q", magic, "ustar  \x00")
		}
	})
	// Verify proved every other output, before it booted the primary,
	// and said so in its output and reports.
	comparing, booting := strings.Index(p.out, "Comparing 7 other outputs with "), strings.Index(p.out, "Starting domain packer-verify-")
	if comparing < 0 || booting < comparing {
		t.Errorf("verify did not compare the outputs before it booted the image")
	}
	for _, f := range []string{"standin.raw", "standin.vmdk", "standin.vhd", "standin.vhdx", "standin.tar.gz", "standin.ova", "standin.containerdisk.tar"} {
		if !regexp.MustCompile(`pass ` + regexp.QuoteMeta(f) + ` \([0-9.]+s\): the same disk as standin\.qcow2 \(qemu-img compare\)`).MatchString(p.out) {
			t.Errorf("verify does not report %s as holding the same disk", f)
		}
	}
	var report struct {
		Results []struct {
			Type, Name, Status string
		} `json:"results"`
	}
	data, _ := os.ReadFile(filepath.Join(p.dir, "reports", "verify.json"))
	json.Unmarshal(data, &report)
	outputs := 0
	for _, r := range report.Results {
		if r.Type == "output" && r.Status == "pass" {
			outputs++
		}
	}
	if outputs != 7 {
		t.Errorf("the JSON report has %d passed output comparisons, want 7", outputs)
	}
	// Writing the outputs is the export phase, and the push its own.
	if !regexp.MustCompile(`Phase timings: .*export [0-9.]+s, push [0-9.]+s`).MatchString(p.out) {
		t.Error("the build's phase timings lack export and push")
	}
	for _, m := range regexp.MustCompile(`standin\.[a-z.]+ \([a-z0-9]+, for [^)]*\): .* written in [0-9.]+s`).FindAllString(p.out, -1) {
		t.Log(m)
	}
	// The registry's password is in no output and no log.
	reg := w.registry(t)
	logs, _ := filepath.Glob(filepath.Join(p.dir, "packer-*.log"))
	if strings.Contains(p.out, reg.password) {
		t.Error("the registry password is in packer's output")
	}
	for _, f := range logs {
		if b, _ := os.ReadFile(f); bytes.Contains(b, []byte(reg.password)) {
			t.Errorf("the registry password is in %s", f)
		}
	}
}

// TestVerifyFindsChangedOutputs gives the centos-verify command copies of
// three of the pipeline's outputs, two of them changed after the build —
// the VHD against its recorded checksum, the raw copy's disk itself with
// a checksum to match — and the build's checksums: it fails (exit 1)
// naming both, passes the third, boots nothing and leaves nothing.
func TestVerifyFindsChangedOutputs(t *testing.T) {
	w := requireWorld(t)
	p := standinPipeline(t, w)
	if p.code != 0 {
		t.Fatalf("the pipeline failed (exit %d)", p.code)
	}
	dir, tmp := workDir(t)
	out := filepath.Join(p.dir, "output-standin")
	for _, f := range []string{"standin.qcow2", "standin.raw", "standin.vhd", "standin.vmdk"} {
		if b, err := exec.Command("cp", "--sparse=always", filepath.Join(out, f), dir).CombinedOutput(); err != nil {
			t.Fatalf("copy %s: %v\n%s", f, err, b)
		}
	}
	flipByte(t, filepath.Join(dir, "standin.vhd"), 1<<20+7)
	flipByte(t, filepath.Join(dir, "standin.raw"), 1<<20+7)
	recorded, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	var sums []string
	for _, line := range strings.Split(strings.TrimSpace(string(recorded)), "\n") {
		sum, file, _ := strings.Cut(line, "  ")
		switch file {
		case "standin.raw":
			sum = fileSHA256(t, filepath.Join(dir, file))
		case "standin.qcow2", "standin.vhd", "standin.vmdk":
		default:
			continue
		}
		sums = append(sums, sum+"  "+file)
	}
	writeFile(t, filepath.Join(dir, "SHA256SUMS"), strings.Join(sums, "\n")+"\n")

	before := takeSnapshot(t, w, tmp)
	start := time.Now()
	output, code := runVerifyCommand(t, w, dir, tmp, "--domain-type", "qemu", "--network", w.network, "--libvirt-uri", w.uri,
		"--outputs", filepath.Join(dir, "SHA256SUMS"), "--junit", filepath.Join(dir, "verify.xml"), filepath.Join(dir, "standin.qcow2"))
	t.Logf("centos-verify exited %d in %s:\n%s", code, time.Since(start).Round(time.Second), output)
	if code != 1 {
		t.Errorf("exit %d, want 1: outputs differ", code)
	}
	for _, want := range []string{
		"standin.vhd: sha256 ", "the build recorded", "the file changed after the build",
		"standin.raw: holds another disk than standin.qcow2: Content mismatch at offset 1048576!",
		"pass standin.vmdk",
	} {
		if !strings.Contains(output, want) {
			t.Errorf("the output does not say %q", want)
		}
	}
	if strings.Contains(output, "Starting domain") {
		t.Error("the image was booted though its outputs differ")
	}
	suite := readJUnit(t, filepath.Join(dir, "verify.xml"))
	if !suite.failed("standin.vhd") || !suite.failed("standin.raw") || suite.failed("standin.vmdk") || !suite.has("standin.vmdk") {
		t.Errorf("JUnit: want standin.vhd and standin.raw failed, standin.vmdk passed")
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}

type tarListing struct {
	out string
	err error
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	f.ReadAt(b, at)
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}

// vmdkInfo is what qemu-img info says of an image, with the VMDK's
// subformat.
type vmdkInfo struct {
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual-size"`
	CreateType  string
}

// qemuImgInfoAs is qemu-img info of path read as format.
func qemuImgInfoAs(t *testing.T, path, format string) vmdkInfo {
	t.Helper()
	b, err := exec.Command("qemu-img", "info", "--output=json", "-f", format, path).Output()
	if err != nil {
		t.Fatalf("qemu-img info %s: %v", path, err)
	}
	var info struct {
		vmdkInfo
		Specific struct {
			Data struct {
				CreateType string `json:"create-type"`
			} `json:"data"`
		} `json:"format-specific"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	info.CreateType = info.Specific.Data.CreateType
	return info.vmdkInfo
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
