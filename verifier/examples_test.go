package verifier_test

import (
	"reflect"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// The example specs shipped in example/ parse, and the HCL and JSON ones
// say the same.
func TestExampleSpecsParseAndAgree(t *testing.T) {
	h, err := verifier.ParseFile("../example/verify/verify.hcl")
	if err != nil {
		t.Fatal(err)
	}
	j, err := verifier.ParseFile("../example/verify/verify.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h, j) {
		t.Errorf("example/verify/verify.hcl and verify.json differ:\nhcl  %#v\njson %#v", h, j)
	}
	if _, err := verifier.ParseFile("../example/demo/verify.hcl"); err != nil {
		t.Error(err)
	}
}
