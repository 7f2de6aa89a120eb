package verifier_test

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// decodeInline decodes src the way Packer decodes a post-processor body
// holding inline check blocks, and returns the blocks by type.
func decodeInline(t *testing.T, src string) (map[string]cty.Value, hcl.Diagnostics) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "template.pkr.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	spec := hcldec.ObjectSpec{}
	for k, s := range verifier.InlineSpecs() {
		spec[k] = s
	}
	v, diags := hcldec.Decode(f.Body, spec, nil)
	if diags.HasErrors() {
		return nil, diags
	}
	return v.AsValueMap(), nil
}

func mustDecodeInline(t *testing.T, src string) map[string]cty.Value {
	t.Helper()
	blocks, diags := decodeInline(t, src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return blocks
}

// toGoMaps turns the decoded blocks into the plain Go form mapstructure
// produces, by way of JSON (numbers become float64, nulls nil).
func toGoMaps(t *testing.T, blocks map[string]cty.Value) map[string][]map[string]interface{} {
	t.Helper()
	out := map[string][]map[string]interface{}{}
	for k, v := range blocks {
		b, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]interface{}
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		out[k] = list
	}
	return out
}

var labelledBlock = regexp.MustCompile(`(?m)^check "([^"]+)" "([^"]+)" \{$`)

// fullExampleInline returns the check blocks of testdata/full.hcl
// rewritten in the inline form, and the checks a spec file parse makes of
// them, keyed by "type/name".
func fullExampleInline(t *testing.T) (string, map[string]verifier.Check) {
	t.Helper()
	src, err := os.ReadFile("testdata/full.hcl")
	if err != nil {
		t.Fatal(err)
	}
	blocks := string(src[strings.Index(string(src), "check \""):])
	spec, err := verifier.ParseSource([]byte(blocks), "checks.hcl")
	if err != nil {
		t.Fatal(err)
	}
	inline := labelledBlock.ReplaceAllString(blocks, "check_$1 {\n  name = \"$2\"")
	return inline, byKey(spec.Checks)
}

func byKey(checks []verifier.Check) map[string]verifier.Check {
	m := map[string]verifier.Check{}
	for _, c := range checks {
		meta := c.Metadata()
		m[meta.Type+"/"+meta.Name] = c
	}
	return m
}

func TestInlineChecksMatchSpecFile(t *testing.T) {
	src, want := fullExampleInline(t)
	blocks := mustDecodeInline(t, src)
	t.Run("cty value", func(t *testing.T) {
		got, err := verifier.ChecksFromInline(blocks)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(byKey(got), want) {
			t.Errorf("got\n%#v\nwant\n%#v", byKey(got), want)
		}
	})
	t.Run("go maps", func(t *testing.T) {
		got, err := verifier.ChecksFromInlineMaps(toGoMaps(t, blocks))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(byKey(got), want) {
			t.Errorf("got\n%#v\nwant\n%#v", byKey(got), want)
		}
	})
}

func TestInlineKeepsWrittenOrderWithinAType(t *testing.T) {
	checks, err := verifier.ChecksFromInline(mustDecodeInline(t, `
check_service {
  name = "zzz"
}
check_package {
  name = "vim"
}
check_service {
  name = "aaa"
}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range checks {
		got = append(got, c.Metadata().Type+"/"+c.Metadata().Name)
	}
	if want := []string{"package/vim", "service/zzz", "service/aaa"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestInlineSpecsArePerType(t *testing.T) {
	specs := verifier.InlineSpecs()
	for _, typ := range verifier.CheckTypes() {
		if _, ok := specs["check_"+typ]; !ok {
			t.Errorf("no inline block for %s checks", typ)
		}
	}
	// port is a number for port checks and "80/tcp" for firewall checks:
	// each block type has its own.
	checks, err := verifier.ChecksFromInline(mustDecodeInline(t, `
check_port {
  name = "ssh"
  port = 22
}
check_firewall {
  name = "web"
  port = "80/tcp"
}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := byKey(checks)
	if p := got["port/ssh"].(*verifier.PortCheck); p.Port != 22 {
		t.Errorf("port check port = %d, want 22", p.Port)
	}
	if f := got["firewall/web"].(*verifier.FirewallCheck); f.Port != "80/tcp" {
		t.Errorf("firewall check port = %q, want 80/tcp", f.Port)
	}
}

// Packer's own decoding rejects what the block types do not allow, with
// the position, before the plugin sees anything.
func TestInlineBlocksRejectedByDecoding(t *testing.T) {
	tests := []struct{ src, want string }{
		{"check_service {\n  name = \"nginx\"\n  port = 80\n}", `template.pkr.hcl:3,3-7: Unsupported argument; An argument named "port" is not expected here.`},
		{"check_service {\n  enabled = true\n}", `template.pkr.hcl:1,15-15: Missing required argument; The argument "name" is required`},
		{"check_pkg {\n  name = \"vim\"\n}", `template.pkr.hcl:1,1-10: Unsupported block type; Blocks of type "check_pkg" are not expected here.`},
		{"check_port {\n  name = \"ssh\"\n  port = \"twenty\"\n}", `template.pkr.hcl:3,10-18: Incorrect attribute value type`},
	}
	for _, tt := range tests {
		_, diags := decodeInline(t, tt.src)
		if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.want) {
			t.Errorf("decoding %q: %v, want %q", tt.src, diags, tt.want)
		}
	}
}

func TestInlineChecksErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []wantDiag
	}{
		{
			name: "every error at once",
			src: `check_port {
  name     = "ssh"
  protocol = "sctp"
}
check_file {
  name = "/etc/motd"
  mode = "rw"
}`,
			want: []wantDiag{
				{"", `check "file" "/etc/motd": attribute "mode": expected an octal mode`},
				{"", `check "port" "ssh": missing required attribute "port"`},
				{"", `check "port" "ssh": attribute "protocol": expected one of "tcp", "udp", got "sctp"`},
			},
		},
		{
			name: "the same check twice",
			src:  "check_package {\n  name = \"vim\"\n}\ncheck_package {\n  name = \"vim\"\n}",
			want: []wantDiag{{"", `check "package" "vim": written twice`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := mustDecodeInline(t, tt.src)
			_, err := verifier.ChecksFromInline(blocks)
			assertDiags(t, err, tt.want)
			_, err = verifier.ChecksFromInlineMaps(toGoMaps(t, blocks))
			assertDiags(t, err, tt.want)
		})
	}
}

func TestChecksFromInlineMapsConvertsPlainValues(t *testing.T) {
	checks, err := verifier.ChecksFromInlineMaps(map[string][]map[string]interface{}{
		"check_user": {{"name": "bob", "uid": 1001, "groups": []interface{}{"wheel"}, "shell": nil, "retry": true}},
		"check_port": {{"name": "dns", "port": float64(53), "protocol": "udp"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []verifier.Check{
		&verifier.PortCheck{Meta: verifier.Meta{Type: "port", Name: "dns"}, Port: 53, Protocol: "udp", Listening: true},
		&verifier.UserCheck{Meta: verifier.Meta{Type: "user", Name: "bob", Retry: true}, Exists: true, UID: ptr(1001), Groups: []string{"wheel"}},
	}
	if !reflect.DeepEqual(checks, want) {
		t.Errorf("got\n%#v\nwant\n%#v", checks, want)
	}
	_, err = verifier.ChecksFromInlineMaps(map[string][]map[string]interface{}{
		"check_package": {{"name": "vim", "installed": "maybe"}},
	})
	assertDiags(t, err, []wantDiag{{"", `check "package" "vim": attribute "installed": expected bool, got string`}})
}

func TestChecksFromInlineNothing(t *testing.T) {
	checks, err := verifier.ChecksFromInline(mustDecodeInline(t, ""))
	if err != nil || len(checks) != 0 {
		t.Errorf("no blocks gave %v, %v", checks, err)
	}
	if _, err := verifier.ChecksFromInline(map[string]cty.Value{"check_package": cty.StringVal("x")}); err == nil {
		t.Error("a string was accepted as inline blocks")
	}
}

func TestMergeChecksInlineWins(t *testing.T) {
	spec, err := verifier.ParseSource([]byte(`
check "package" "vim" {}
check "service" "sshd" {}
`), "spec.hcl")
	if err != nil {
		t.Fatal(err)
	}
	inline, err := verifier.ChecksFromInlineMaps(map[string][]map[string]interface{}{
		"check_package": {{"name": "vim", "installed": false}, {"name": "nano"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	spec.MergeChecks(inline)
	var got []string
	for _, c := range spec.Checks {
		m := c.Metadata()
		got = append(got, m.Type+"/"+m.Name)
	}
	if want := []string{"package/vim", "service/sshd", "package/nano"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order after merge = %v, want %v", got, want)
	}
	if spec.Checks[0].(*verifier.PackageCheck).Installed {
		t.Error("inline package/vim did not replace the spec file's")
	}
}
