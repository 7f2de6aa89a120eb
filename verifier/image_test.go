package verifier_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// fakeQemuImg answers `qemu-img check` and `qemu-img info` from canned
// results and records the argument lists it saw.
type fakeQemuImg struct {
	check, info verifier.ExecResult
	infoErr     error
	calls       []string
}

func (f *fakeQemuImg) run(_ context.Context, name string, args ...string) (verifier.ExecResult, error) {
	f.calls = append(f.calls, name+" "+strings.Join(args, " "))
	switch args[0] {
	case "check":
		return f.check, nil
	case "info":
		return f.info, f.infoErr
	}
	return verifier.ExecResult{}, fmt.Errorf("unexpected %v", args)
}

func TestImageCheckerWithFakeQemuImg(t *testing.T) {
	cleanCheck := out(`{"image-end-offset": 262144, "total-clusters": 256, "check-errors": 0, "filename": "disk.qcow2", "format": "qcow2"}`)
	info20G := out(`{"virtual-size": 21474836480, "filename": "disk.qcow2", "format": "qcow2", "actual-size": 200704}`)
	want := &verifier.ImageSpec{Format: "qcow2", VirtualSize: 20 << 30, Integrity: true}
	tests := []struct {
		name  string
		fake  fakeQemuImg
		want  *verifier.ImageSpec
		check map[string]statusAndMessage
	}{
		{
			name: "clean and as specified",
			fake: fakeQemuImg{check: cleanCheck, info: info20G},
			want: want,
			check: map[string]statusAndMessage{
				"integrity": {verifier.StatusPass, ""}, "format": {verifier.StatusPass, ""}, "virtual_size": {verifier.StatusPass, ""},
			},
		},
		{
			name: "corrupt",
			fake: fakeQemuImg{check: exit(2, `{"corruptions": 3, "check-errors": 0, "format": "qcow2"}`, ""), info: info20G},
			want: &verifier.ImageSpec{Integrity: true},
			check: map[string]statusAndMessage{
				"integrity": {verifier.StatusFail, "expected a clean image, got 3 corruptions"},
			},
		},
		{
			name: "leaks",
			fake: fakeQemuImg{check: exit(3, `{"leaks": 12, "check-errors": 0, "format": "qcow2"}`, ""), info: info20G},
			want: &verifier.ImageSpec{Integrity: true},
			check: map[string]statusAndMessage{
				"integrity": {verifier.StatusFail, "expected a clean image, got 12 leaked clusters"},
			},
		},
		{
			name: "check could not complete",
			fake: fakeQemuImg{check: exit(1, `{"check-errors": 1, "format": "qcow2"}`, "")},
			want: &verifier.ImageSpec{Integrity: true},
			check: map[string]statusAndMessage{
				"integrity": {verifier.StatusError, "qemu-img check could not complete: 1 check errors (exit 1)"},
			},
		},
		{
			name: "wrong format and size",
			fake: fakeQemuImg{info: out(`{"virtual-size": 10737418240, "format": "raw"}`)},
			want: &verifier.ImageSpec{Format: "qcow2", VirtualSize: 20 << 30},
			check: map[string]statusAndMessage{
				"format":       {verifier.StatusFail, "expected format qcow2, got raw"},
				"virtual_size": {verifier.StatusFail, "expected virtual size 20G, got 10G"},
			},
		},
		{
			name: "info fails",
			fake: fakeQemuImg{info: exit(1, "", "qemu-img: Could not open 'disk.qcow2': No such file or directory\n")},
			want: &verifier.ImageSpec{Format: "qcow2"},
			check: map[string]statusAndMessage{
				"format": {verifier.StatusError, "qemu-img info exited 1: qemu-img: Could not open"},
			},
		},
		{
			name: "qemu-img missing",
			fake: fakeQemuImg{infoErr: errors.New(`exec: "qemu-img": executable file not found in $PATH`)},
			want: &verifier.ImageSpec{VirtualSize: 1 << 30},
			check: map[string]statusAndMessage{
				"virtual_size": {verifier.StatusError, "executable file not found"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tt.fake
			c := verifier.ImageChecker{Run: fake.run, QemuImg: "/usr/bin/qemu-img"}
			results := c.Check(context.Background(), "disk.qcow2", tt.want)
			assertImageResults(t, results, tt.check)
			for _, call := range fake.calls {
				if !strings.HasPrefix(call, "/usr/bin/qemu-img ") || !strings.Contains(call, "--output=json disk.qcow2") {
					t.Errorf("ran %q", call)
				}
			}
		})
	}
}

type statusAndMessage struct {
	status  verifier.Status
	message string
}

func assertImageResults(t *testing.T, results []verifier.Result, want map[string]statusAndMessage) {
	t.Helper()
	got := map[string]bool{}
	for _, res := range results {
		got[res.Name] = true
		w, ok := want[res.Name]
		if !ok {
			t.Errorf("unexpected result %s: %s %s", res.Name, res.Status, res.Message)
			continue
		}
		if res.Type != "image" || res.Attempts != 1 {
			t.Errorf("%s: type %q attempts %d", res.Name, res.Type, res.Attempts)
		}
		t.Run(res.Name, func(t *testing.T) { assertResult(t, res, w.status, w.message) })
	}
	for name := range want {
		if !got[name] {
			t.Errorf("no %s result", name)
		}
	}
}

func TestImageCheckerNilSpecChecksNothing(t *testing.T) {
	if results := (verifier.ImageChecker{}).Check(context.Background(), "x", nil); results != nil {
		t.Errorf("got %v", results)
	}
}

// The real qemu-img, on images made for the test.
func TestImageCheckerWithRealQemuImg(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
	dir := t.TempDir()
	create := func(format, size string) string {
		path := filepath.Join(dir, "disk."+format)
		if out, err := exec.Command("qemu-img", "create", "-q", "-f", format, path, size).CombinedOutput(); err != nil {
			t.Fatalf("qemu-img create: %v: %s", err, out)
		}
		return path
	}
	qcow2 := create("qcow2", "16M")
	raw := create("raw", "1M")

	ctx := context.Background()
	var c verifier.ImageChecker // real qemu-img from PATH

	assertImageResults(t, c.Check(ctx, qcow2, &verifier.ImageSpec{Format: "qcow2", VirtualSize: 16 << 20, Integrity: true}),
		map[string]statusAndMessage{
			"integrity": {verifier.StatusPass, ""}, "format": {verifier.StatusPass, ""}, "virtual_size": {verifier.StatusPass, ""},
		})
	assertImageResults(t, c.Check(ctx, qcow2, &verifier.ImageSpec{Format: "raw", VirtualSize: 20 << 30}),
		map[string]statusAndMessage{
			"format":       {verifier.StatusFail, "expected format raw, got qcow2"},
			"virtual_size": {verifier.StatusFail, "expected virtual size 20G, got 16M"},
		})
	assertImageResults(t, c.Check(ctx, raw, &verifier.ImageSpec{Integrity: true}),
		map[string]statusAndMessage{
			"integrity": {verifier.StatusSkip, "does not support consistency checks"},
		})
	assertImageResults(t, c.Check(ctx, filepath.Join(dir, "missing.qcow2"), &verifier.ImageSpec{Format: "qcow2"}),
		map[string]statusAndMessage{
			"format": {verifier.StatusError, "qemu-img info exited 1"},
		})
}

func TestRunHostCommand(t *testing.T) {
	res, err := verifier.RunHostCommand(context.Background(), "sh", "-c", "echo out; echo err >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	if want := (verifier.ExecResult{Stdout: "out\n", Stderr: "err\n", ExitStatus: 3}); !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	if _, err := verifier.RunHostCommand(context.Background(), "/nonexistent/qemu-img"); err == nil {
		t.Error("running a missing program did not fail")
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"20G", 20 << 30}, {"20g", 20 << 30}, {"20GiB", 20 << 30}, {"512M", 512 << 20},
		{"1T", 1 << 40}, {"64K", 64 << 10}, {"1073741824", 1 << 30}, {"100B", 100},
	}
	for _, tt := range tests {
		if got, err := verifier.ParseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "G", "20GB", "-1G", "0", "1.5G", "99999999999T"} {
		if got, err := verifier.ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", bad, got)
		}
	}
}
