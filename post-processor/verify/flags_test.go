package verify

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// The command's help promises each flag's default: it must be what the
// post-processor applies when the flag is not given.
func TestCommandFlagDefaults(t *testing.T) {
	var c Config
	if err := c.Prepare(map[string]interface{}{}); err != nil {
		t.Fatal(err)
	}
	// These three default through the spec's settings.
	fromSpec := map[string]string{
		"parallel":         fmt.Sprint(c.spec.Settings.Parallel),
		"check_timeout":    c.spec.Settings.Timeout.String(),
		"max_boot_seconds": fmt.Sprint(c.spec.Settings.MaxBootSeconds),
	}
	for _, f := range commandFlags {
		if f.key == "" {
			continue
		}
		if s, ok := fromSpec[f.key]; ok {
			if s != f.def {
				t.Errorf("--%s: help says default %q, the spec settings apply %q", f.name, f.def, s)
			}
			continue
		}
		got, ok := fieldByKey(reflect.ValueOf(c), f.key)
		if !ok {
			t.Errorf("--%s: the post-processor has no option %q", f.name, f.key)
			continue
		}
		if s := display(got); s != f.def {
			t.Errorf("--%s: help says default %q, the post-processor applies %q", f.name, f.def, s)
		}
	}
}

// fieldByKey finds the field with mapstructure tag key in v, looking
// into squashed structs.
func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	for i := 0; i < v.NumField(); i++ {
		ft := v.Type().Field(i)
		tag, _, _ := strings.Cut(ft.Tag.Get("mapstructure"), ",")
		if tag == key {
			return v.Field(i), true
		}
		if ft.Type.Kind() == reflect.Struct && ft.IsExported() {
			if got, ok := fieldByKey(v.Field(i), key); ok {
				return got, true
			}
		}
	}
	return reflect.Value{}, false
}

func display(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case *bool:
		if x == nil {
			return "true" // cloud_init and reboot are on unless set
		}
		return fmt.Sprint(*x)
	case time.Duration:
		if x == 0 {
			return ""
		}
		return x.String()
	case []string:
		return strings.Join(x, ",")
	case int:
		if x == 0 {
			return ""
		}
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v.Interface())
}

func TestCommandFlags(t *testing.T) {
	t.Setenv(passwordEnv, "")
	spec := filepath.Join(t.TempDir(), "verify.hcl")
	os.WriteFile(spec, []byte(`check "package" "openssh-server" { installed = true }`), 0o644)
	tests := []struct {
		args    []string
		want    map[string]interface{}
		version string
		err     string
	}{
		{nil, map[string]interface{}{}, "", ""},
		{[]string{"--spec", spec, "--memory=1024", "--reboot=false", "--cloud-init", "--ssh-timeout", "4m",
			"--disable-checks", "no_avc_denials, boot_time", "--centos-version", "stream9"},
			map[string]interface{}{"spec": spec, "memory": 1024, "reboot": false, "cloud_init": true, "ssh_timeout": "4m",
				"disable_checks": []string{"no_avc_denials", "boot_time"}}, "stream9", ""},
		{[]string{"--memory", "lots", "--check-timeout", "soon"}, nil, "", "--memory \"lots\": strconv.Atoi: parsing \"lots\": invalid syntax\n--check-timeout \"soon\": time: invalid duration \"soon\""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("centos-verify", flag.ContinueOnError)
			options := RegisterCommandFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			opts, err := options()
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(opts.Config, tt.want) || opts.CentOSVersion != tt.version {
				t.Errorf("options = %#v %q, want %#v %q", opts.Config, opts.CentOSVersion, tt.want, tt.version)
			}
			var c Config
			if err := c.Prepare(opts.Config); err != nil {
				t.Errorf("the post-processor refuses what the flags made: %v", err)
			}
		})
	}
	t.Setenv(passwordEnv, "hunter2")
	fs := flag.NewFlagSet("centos-verify", flag.ContinueOnError)
	options := RegisterCommandFlags(fs)
	fs.Parse(nil)
	if opts, _ := options(); opts.Config["ssh_password"] != "hunter2" {
		t.Errorf("the password in $%s did not reach ssh_password", passwordEnv)
	}
	if got := packersdk.LogSecretFilter.FilterString("login with hunter2"); strings.Contains(got, "hunter2") {
		t.Errorf("the password is not filtered from the log: %q", got)
	}
}
