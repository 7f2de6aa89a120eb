//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config
//go:generate go tool packer-sdc struct-markdown

package verify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/communicator"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
	"github.com/zclconf/go-cty/cty"

	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// Config is the centos-verify post-processor block.
type Config struct {
	common.PackerConfig          `mapstructure:",squash"`
	ChecksConfig                 `mapstructure:",squash"`
	guestconfig.HypervisorConfig `mapstructure:",squash"`
	guestconfig.MachineConfig    `mapstructure:",squash"`
	AccessConfig                 `mapstructure:",squash"`
	Comm                         communicator.Config `mapstructure:",squash"`

	ctx  interpolate.Context
	spec *verifier.Spec
}

// hcl2Spec adds the inline check blocks (check_service { ... }, ...) to
// the generated spec: their schema comes from the verifier, not from a Go
// struct packer-sdc could read.
func hcl2Spec(c *Config) hcldec.ObjectSpec {
	spec := c.FlatMapstructure().HCL2Spec()
	for k, s := range verifier.InlineSpecs() {
		spec[k] = s
	}
	return spec
}

// Prepare decodes and checks the configuration, reporting every mistake
// at once.
func (c *Config) Prepare(raws ...interface{}) error {
	inline, raws, err := takeInlineChecks(raws)
	var errs *packersdk.MultiError
	if err != nil {
		errs = packersdk.MultiErrorAppend(errs, err)
	}
	if err := config.Decode(c, &config.DecodeOpts{
		PluginType:         pluginType,
		Interpolate:        true,
		InterpolateContext: &c.ctx,
	}, raws...); err != nil {
		return packersdk.MultiErrorAppend(errs, err)
	}
	add := func(es []error) { errs = packersdk.MultiErrorAppend(errs, es...) }
	spec, specErrs := c.ChecksConfig.prepare(inline)
	add(specErrs)
	c.spec = spec
	add(c.HypervisorConfig.Prepare())
	add(c.MachineConfig.Prepare())
	add(c.AccessConfig.prepare())
	add(c.prepareComm())
	if errs != nil && len(errs.Errors) > 0 {
		return errs
	}
	return nil
}

// prepareComm fills the SSH defaults: with cloud-init, root gets the
// temporary key, which needs no new account in the image.
func (c *Config) prepareComm() []error {
	if c.Comm.SSHUsername == "" && c.cloudInit() {
		c.Comm.SSHUsername = "root"
	}
	if c.Comm.SSHTemporaryKeyPairType == "" {
		c.Comm.SSHTemporaryKeyPairType = "ed25519"
	}
	errs := c.Comm.Prepare(&c.ctx)
	if c.Comm.Type != "ssh" {
		errs = append(errs, fmt.Errorf("communicator %q is not supported: checks run over SSH; use communicator = \"ssh\"", c.Comm.Type))
	}
	if !c.cloudInit() && c.Comm.SSHPassword == "" && c.Comm.SSHPrivateKeyFile == "" && !c.Comm.SSHAgentAuth {
		errs = append(errs, fmt.Errorf("cloud_init = false needs ssh_password, ssh_private_key_file or ssh_agent_auth for %q, since no temporary key can be given to the image", c.Comm.SSHUsername))
	}
	return errs
}

// takeInlineChecks removes the inline check blocks from the raw
// configurations, which the generated decoding would not accept, and turns
// them into checks.
func takeInlineChecks(raws []interface{}) ([]verifier.Check, []interface{}, error) {
	var checks []verifier.Check
	var errs error
	out := make([]interface{}, 0, len(raws))
	for _, raw := range raws {
		var cs []verifier.Check
		var err error
		switch v := raw.(type) {
		case cty.Value:
			cs, raw, err = inlineFromValue(v)
		case map[string]interface{}:
			cs, raw, err = inlineFromMap(v)
		}
		// The rest of the configuration is still decoded, so that all
		// mistakes are reported together.
		errs = errors.Join(errs, err)
		checks = append(checks, cs...)
		out = append(out, raw)
	}
	return checks, out, errs
}

func inlineFromValue(v cty.Value) ([]verifier.Check, cty.Value, error) {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return nil, v, nil
	}
	blocks := map[string]cty.Value{}
	rest := map[string]cty.Value{}
	for k, attr := range v.AsValueMap() {
		if strings.HasPrefix(k, verifier.InlinePrefix) {
			blocks[k] = attr
		} else {
			rest[k] = attr
		}
	}
	if len(blocks) == 0 {
		return nil, v, nil
	}
	checks, err := verifier.ChecksFromInline(blocks)
	return checks, cty.ObjectVal(rest), err
}

// inlineFromMap reads inline checks given as plain maps (legacy JSON
// templates).
func inlineFromMap(m map[string]interface{}) ([]verifier.Check, map[string]interface{}, error) {
	rest := make(map[string]interface{}, len(m))
	inline := map[string]interface{}{}
	for k, v := range m {
		if strings.HasPrefix(k, verifier.InlinePrefix) {
			inline[k] = v
		} else {
			rest[k] = v
		}
	}
	if len(inline) == 0 {
		return nil, m, nil
	}
	blocks := map[string][]map[string]interface{}{}
	for k, v := range inline {
		list, ok := v.([]interface{})
		if !ok {
			return nil, rest, fmt.Errorf("%s: expected a list of blocks", k)
		}
		for _, item := range list {
			attrs, ok := item.(map[string]interface{})
			if !ok {
				return nil, rest, fmt.Errorf("%s: expected blocks of attributes", k)
			}
			blocks[k] = append(blocks[k], attrs)
		}
	}
	checks, err := verifier.ChecksFromInlineMaps(blocks)
	return checks, rest, err
}
