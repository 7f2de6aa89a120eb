package image

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestConfigureReportsEveryMistake(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]interface{}
		want []string
	}{
		{"no version", map[string]interface{}{"arch": "x86_64"}, []string{"version is required: one of 7, stream8, stream9, stream10"}},
		{"unknown version", map[string]interface{}{"version": "9"}, []string{`version "9" is not one of 7, stream8, stream9, stream10`}},
		{"all at once", map[string]interface{}{"version": "stream9", "firmware": "efi", "compose": "9-latest", "mirror": "ftp://m", "timeout": "-1s"}, []string{
			`arch "x86_64", firmware "efi": CentOS Stream 9 publishes no efi GenericCloud image for x86_64 (available: bios)`,
			`compose "9-latest" is not a compose id`,
			`mirror "ftp://m" is not an http(s) URL or a local directory`,
			"timeout -1s is negative",
		}},
		{"arch not published", map[string]interface{}{"version": "stream10", "arch": "s390x"}, []string{"CentOS Stream 10 publishes no s390x GenericCloud image (architectures: aarch64, x86_64)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Datasource
			err := d.Configure(tt.raw)
			if err == nil {
				t.Fatal("Configure accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestExecute(t *testing.T) {
	const checksums = "# CentOS-Stream-GenericCloud-x86_64-10-20250812.0.x86_64.qcow2: 977993728 bytes\r\n" +
		"SHA256 (CentOS-Stream-GenericCloud-x86_64-10-20250812.0.x86_64.qcow2) = 3cb1310f00000000000000000000000000000000000000000000000000000d21\r\n" +
		"SHA256 (CentOS-Stream-GenericCloud-10-20250901.0.x86_64.qcow2) = 1111111100000000000000000000000000000000000000000000000000000000"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mirror/centos/10-stream/x86_64/images/CHECKSUM" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(checksums))
	}))
	defer srv.Close()
	d := Datasource{client: srv.Client()}
	if err := d.Configure(map[string]interface{}{"version": "stream10", "firmware": "efi", "mirror": srv.URL + "/mirror"}); err != nil {
		t.Fatal(err)
	}
	v, err := d.Execute()
	if err != nil {
		t.Fatal(err)
	}
	const name = "CentOS-Stream-GenericCloud-x86_64-10-20250812.0.x86_64.qcow2"
	for attr, want := range map[string]cty.Value{
		"url":          cty.StringVal(srv.URL + "/mirror/centos/10-stream/x86_64/images/" + name),
		"checksum":     cty.StringVal("sha256:3cb1310f00000000000000000000000000000000000000000000000000000d21"),
		"name":         cty.StringVal(name),
		"compose":      cty.StringVal("20250812.0"),
		"size":         cty.NumberIntVal(977993728),
		"ssh_username": cty.StringVal("cloud-user"),
		"checksum_url": cty.StringVal(srv.URL + "/mirror/centos/10-stream/x86_64/images/CHECKSUM"),
	} {
		if got := v.GetAttr(attr); !got.RawEquals(want) {
			t.Errorf("%s = %#v, want %#v", attr, got, want)
		}
	}

	var unreachable Datasource
	if err := unreachable.Configure(map[string]interface{}{"version": "7", "mirror": srv.URL + "/elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if _, err := unreachable.Execute(); err == nil || !strings.Contains(err.Error(), "centos-image: read checksum file "+srv.URL+"/elsewhere/centos/7/images/sha256sum.txt: HTTP 404") {
		t.Errorf("Execute on a mirror without the file = %v", err)
	}
}
