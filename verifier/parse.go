package verifier

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "settings"},
		{Type: "image"},
		{Type: "check", LabelNames: []string{"type", "name"}},
	},
}

// ParseFile reads a spec from an HCL file, or from a JSON file (HCL's JSON
// syntax) when the name ends in ".json". A spec with problems yields a
// *SpecError listing all of them.
func ParseFile(path string) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	return ParseSource(src, path)
}

// ParseSource parses a spec from src; filename is used in error positions
// and picks the syntax: JSON when it ends in ".json", HCL otherwise.
func ParseSource(src []byte, filename string) (*Spec, error) {
	parser := hclparse.NewParser()
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.EqualFold(filepath.Ext(filename), ".json") {
		f, diags = parser.ParseJSON(src, filename)
	} else {
		f, diags = parser.ParseHCL(src, filename)
	}
	if diags.HasErrors() {
		return nil, specErr(diags)
	}
	spec, diags := decodeSpec(f.Body)
	sortByPosition(diags)
	if err := specErr(diags); err != nil {
		return nil, err
	}
	return spec, nil
}

// decodeSpec walks the top-level blocks in source order, keeping going
// after errors so that all of them are reported.
func decodeSpec(body hcl.Body) (*Spec, hcl.Diagnostics) {
	content, diags := body.Content(rootSchema)
	spec := NewSpec()
	seen := map[string]*hcl.Block{}
	checks := map[checkKey]hcl.Range{}
	for _, b := range content.Blocks {
		if b.Type != "check" {
			if prev, dup := seen[b.Type]; dup {
				diags = append(diags, duplicateDiag(b.Type+" block", b.DefRange, prev.DefRange))
				continue
			}
			seen[b.Type] = b
		}
		attrs, d := blockAttrs(b)
		diags = append(diags, d...)
		switch b.Type {
		case "settings":
			r := newAttrReader("settings", "in the settings block", &b.DefRange, settingsAttrs)
			r.load(attrs)
			spec.Settings = decodeSettings(r)
			diags = append(diags, r.diags...)
		case "image":
			r := newAttrReader("image", "in the image block", &b.DefRange, imageAttrs)
			r.load(attrs)
			spec.Image = decodeImage(r)
			diags = append(diags, r.diags...)
		case "check":
			k := checkKey{b.Labels[0], b.Labels[1]}
			if prev, dup := checks[k]; dup {
				diags = append(diags, duplicateDiag(Meta{Type: k.typ, Name: k.name}.String(), b.DefRange, prev))
				continue
			}
			checks[k] = b.DefRange
			c, d := decodeCheck(checkBlock{
				typ: k.typ, name: k.name,
				typeRange: &b.LabelRanges[0], nameRange: &b.LabelRanges[1], defRange: &b.DefRange,
				attrs: attrs,
			})
			diags = append(diags, d...)
			if c != nil {
				spec.Checks = append(spec.Checks, c)
			}
		}
	}
	return spec, diags
}

// blockAttrs evaluates a block's attributes as constants (no variables or
// functions: a spec is data) in source order, so diagnostics come out in
// the order a reader meets them.
func blockAttrs(b *hcl.Block) ([]rawAttr, hcl.Diagnostics) {
	attrs, diags := b.Body.JustAttributes()
	sorted := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		sorted = append(sorted, a)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].NameRange.Start.Byte < sorted[j].NameRange.Start.Byte })
	raws := make([]rawAttr, 0, len(sorted))
	for _, a := range sorted {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		exprRange := a.Expr.Range()
		raws = append(raws, rawAttr{
			name: a.Name, value: v, invalid: d.HasErrors(),
			nameRange: a.NameRange.Ptr(), valueRange: &exprRange,
		})
	}
	return raws, diags
}

func duplicateDiag(what string, at, prev hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("duplicate %s; first defined at %s:%d:%d", what, prev.Filename, prev.Start.Line, prev.Start.Column),
		Subject:  at.Ptr(),
	}
}

// sortByPosition orders diagnostics as a reader meets them in the file;
// HCL reports structural problems before we get to look at values.
func sortByPosition(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		if a == nil || b == nil {
			return a != nil
		}
		return a.Start.Byte < b.Start.Byte
	})
}
