package verifier_test

import (
	"context"
	"fmt"
	"os"

	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/verifiertest"
)

// The flow of the verify post-processor, with a fake guest: parse the
// spec, merge inline checks, run, report.
func Example() {
	spec, err := verifier.ParseSource([]byte(`
settings {
  builtin_checks = false
}
check "service" "sshd" {
  running = true
}
`), "verify.hcl")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Inline checks from the template, as mapstructure hands them over.
	inline, err := verifier.ChecksFromInlineMaps(map[string][]map[string]interface{}{
		"check_kernel_param": {{"name": "net.ipv4.ip_forward", "value": 0}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	spec.MergeChecks(inline)

	guest := verifiertest.New().
		On("systemctl is-active sshd.service", "active\n").
		On("sysctl -n net.ipv4.ip_forward", "1\n")
	report := verifier.Verify(context.Background(), guest, spec, verifier.Facts{})
	for i := range report.Results {
		report.Results[i].Duration = 0 // keep the example's output stable
	}
	report.Duration = 0
	_ = report.WriteText(os.Stdout)
	fmt.Println(report.OK())
	// Output:
	// PASS  service       sshd                 0.00s
	// FAIL  kernel_param  net.ipv4.ip_forward  0.00s  expected net.ipv4.ip_forward = 0, got 1
	// 2 checks: 1 passed, 1 failed, 0 skipped, 0 errored in 0.00s
	// false
}
