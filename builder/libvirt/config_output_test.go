package libvirt

import (
	"strings"
	"testing"
)

func exportBlocks(blocks ...map[string]interface{}) []map[string]interface{} { return blocks }

// Valid export blocks settle into outputs: file names after vm_name, the
// compression default for the formats that hold a qcow2, the primary.
func TestPrepareExports(t *testing.T) {
	type out struct{ format, file, compression, repository string }
	tests := []struct {
		name    string
		change  map[string]interface{}
		want    []out
		primary int
	}{
		{"no export blocks", nil, []out{{"qcow2", "test.qcow2", "zstd", ""}}, 0},
		{"format raw", map[string]interface{}{"format": "raw"}, []out{{"raw", "test.raw", "", ""}}, 0},
		{"zlib", map[string]interface{}{"disk_compression": "zlib"}, []out{{"qcow2", "test.qcow2", "zlib", ""}}, 0},
		{"every target", map[string]interface{}{"vm_name": "stream9", "export": exportBlocks(
			map[string]interface{}{"format": "qcow2"},
			map[string]interface{}{"format": "vmdk"},
			map[string]interface{}{"format": "vhd"},
			map[string]interface{}{"format": "vhdx"},
			map[string]interface{}{"format": "gce"},
			map[string]interface{}{"format": "ova"},
			map[string]interface{}{"format": "containerdisk", "compression": "none", "repository": "registry.example.com/images/centos-stream9"},
		)}, []out{
			{"qcow2", "stream9.qcow2", "zstd", ""}, {"vmdk", "stream9.vmdk", "", ""}, {"vhd", "stream9.vhd", "", ""},
			{"vhdx", "stream9.vhdx", "", ""}, {"gce", "stream9.tar.gz", "", ""}, {"ova", "stream9.ova", "", ""},
			{"containerdisk", "stream9.containerdisk.tar", "none", "registry.example.com/images/centos-stream9:latest"},
		}, 0},
		{"the first qcow2 or raw is the primary", map[string]interface{}{"export": exportBlocks(
			map[string]interface{}{"format": "vmdk"}, map[string]interface{}{"format": "raw"}, map[string]interface{}{"format": "qcow2"},
		)}, []out{{"vmdk", "test.vmdk", "", ""}, {"raw", "test.raw", "", ""}, {"qcow2", "test.qcow2", "zstd", ""}}, 1},
		{"primary marked, two qcow2 named apart", map[string]interface{}{"export": exportBlocks(
			map[string]interface{}{"format": "qcow2", "compression": "zlib", "file_name": "legacy.qcow2"},
			map[string]interface{}{"format": "qcow2", "primary": true},
		)}, []out{{"qcow2", "legacy.qcow2", "zlib", ""}, {"qcow2", "test.qcow2", "zstd", ""}}, 1},
		{"a repository with a tag", map[string]interface{}{"export": exportBlocks(
			map[string]interface{}{"format": "raw"},
			map[string]interface{}{"format": "containerdisk", "repository": "localhost:5000/c:9.6"},
		)}, []out{{"raw", "test.raw", "", ""}, {"containerdisk", "test.containerdisk.tar", "zstd", "localhost:5000/c:9.6"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := minimal(t)
			for k, v := range tt.change {
				raw[k] = v
			}
			c, _, err := prepare(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.outputs) != len(tt.want) {
				t.Fatalf("%d outputs, want %d", len(c.outputs), len(tt.want))
			}
			for i, o := range c.outputs {
				got := out{o.format.Name, o.fileName, o.compression, o.repository}
				if got != tt.want[i] {
					t.Errorf("output %d = %+v, want %+v", i, got, tt.want[i])
				}
				if o.primary != (i == tt.primary) {
					t.Errorf("output %d primary = %v, want output %d to be the primary", i, o.primary, tt.primary)
				}
			}
		})
	}
}

// Each mistake in the export blocks names the block, the field and the
// fix.
func TestPrepareRejectsExports(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]interface{}
		want   string
	}{
		{"unknown format", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2"}, map[string]interface{}{"format": "vdi"})},
			`export #2 (vdi): format "vdi" is not one of qcow2, raw, vmdk, vhd, vhdx, gce, ova, containerdisk`},
		{"two primaries", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2", "primary": true}, map[string]interface{}{"format": "raw", "primary": true})},
			"export blocks #1 and #2 all say primary = true; centos-verify boots one primary output: mark only one"},
		{"a primary that cannot boot", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2"}, map[string]interface{}{"format": "vhd", "primary": true})},
			"export #2 (vhd): primary = true: the primary output is the disk centos-verify boots and must be one of qcow2, raw"},
		{"no primary", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "vmdk"}, map[string]interface{}{"format": "gce"})},
			`export: no qcow2 or raw output to be the primary, the disk centos-verify boots and proves every other output holds; add export { format = "qcow2" }`},
		{"compression on vmdk", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2"}, map[string]interface{}{"format": "vmdk", "compression": "zstd"})},
			`export #2 (vmdk): compression "zstd": vmdk outputs take no compression setting (only qcow2 and containerdisk do); remove it`},
		{"unknown compression", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2", "compression": "lz4"})},
			`export #1 (qcow2): compression "lz4" is not one of zstd, zlib, none`},
		{"invalid repository", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2"}, map[string]interface{}{"format": "containerdisk", "repository": "Registry.example.com/My Image"})},
			`export #2 (containerdisk): repository "Registry.example.com/My Image" is not a valid image reference`},
		{"repository by digest", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2"}, map[string]interface{}{"format": "containerdisk", "repository": "r.example/c@sha256:" + strings.Repeat("a", 64)})},
			"names a digest, which a push cannot choose; give a tag"},
		{"repository on a file format", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2", "repository": "r.example/c"})},
			`export #1 (qcow2): repository: only containerdisk outputs are pushed; remove it, or set format = "containerdisk"`},
		{"the same file twice", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2"}, map[string]interface{}{"format": "qcow2", "compression": "zlib"})},
			"export #1 and export #2 both write test.qcow2: give one of them a file_name"},
		{"a path as file name", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "qcow2", "file_name": "../x.qcow2"})},
			`export #1 (qcow2): file_name "../x.qcow2" must be a file name in output_directory, not a path`},
		{"the checksum file's name", map[string]interface{}{"export": exportBlocks(map[string]interface{}{"format": "raw", "file_name": "SHA256SUMS"})},
			`file_name "SHA256SUMS" is the name of the build's own SHA256SUMS; choose another`},
		{"format beside export blocks", map[string]interface{}{"format": "raw", "export": exportBlocks(map[string]interface{}{"format": "qcow2"})},
			"format and disk_compression describe the one output of a build without export blocks; with export blocks, set format and compression in each block"},
		{"a format only export writes", map[string]interface{}{"format": "vhd"},
			`format "vhd" is not one of qcow2, raw; other formats are written by export blocks: export { format = "vhd" }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertRejected(t, tt.change, nil, tt.want) })
	}
}

// Every export mistake of a template is reported at once.
func TestPrepareReportsEveryExportMistake(t *testing.T) {
	raw := minimal(t)
	raw["export"] = exportBlocks(
		map[string]interface{}{"format": "qcow2", "primary": true},
		map[string]interface{}{"format": "raw", "primary": true},
		map[string]interface{}{"format": "vmdk", "compression": "zstd"},
		map[string]interface{}{"format": "containerdisk", "repository": "UPPER/case"},
		map[string]interface{}{"format": "vhd", "file_name": "test.qcow2"},
	)
	_, _, err := prepare(raw)
	if err == nil {
		t.Fatal("Prepare accepted five mistakes")
	}
	for _, want := range []string{"all say primary = true", "vmdk outputs take no compression", `repository "UPPER/case"`, "export #1 and export #5 both write test.qcow2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}
