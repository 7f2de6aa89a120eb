package verifier

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// checkBlock is one check as written, from a spec file or from values Packer
// decoded. Ranges are nil when the source has no positions.
type checkBlock struct {
	typ, name            string
	typeRange, nameRange *hcl.Range
	defRange             *hcl.Range
	attrs                []rawAttr
}

// decodeCheck validates one check block and builds the Check. The Check is
// nil whenever the returned diagnostics hold an error.
func decodeCheck(b checkBlock) (Check, hcl.Diagnostics) {
	subject := Meta{Type: b.typ, Name: b.name}.String()
	ct := lookupCheckType(b.typ)
	if ct == nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("%s: unknown check type %q; valid: %s", subject, b.typ, strings.Join(CheckTypes(), ", ")),
			Subject:  rangeOr(b.typeRange, b.defRange),
		}}
	}
	r := newAttrReader(subject, "for a "+ct.name+" check", b.defRange, ct.allAttrs())
	if problem := ct.validateName(b.name); problem != "" {
		r.report(rangeOr(b.nameRange, b.defRange), "%s", problem)
	}
	r.load(b.attrs)
	m := Meta{
		Type:        ct.name,
		Name:        b.name,
		Description: r.str("description"),
		Timeout:     r.duration("timeout"),
		Retry:       r.boolean("retry", false),
	}
	c := ct.build(m, r)
	if r.diags.HasErrors() {
		return nil, r.diags
	}
	return c, r.diags
}

func rangeOr(r, fallback *hcl.Range) *hcl.Range {
	if r != nil {
		return r
	}
	return fallback
}
