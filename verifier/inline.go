package verifier

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Inline checks are written in a Packer post-processor block. Packer's
// plugin protocol carries only unlabelled blocks, so a spec file's
//
//	check "service" "nginx" { enabled = true }
//
// is written inline as
//
//	check_service {
//	  name    = "nginx"
//	  enabled = true
//	}
//
// one block type per check type, each with that type's own attributes, so
// Packer itself rejects unknown attributes and wrong types, with their
// position, at `packer validate`.

// InlinePrefix starts the block type of every inline check.
const InlinePrefix = "check_"

// InlineSpecs returns the spec of each inline check block type, keyed by
// block type ("check_service"), for a post-processor's ConfigSpec.
func InlineSpecs() map[string]hcldec.Spec {
	specs := make(map[string]hcldec.Spec, len(checkTypes))
	for _, t := range checkTypes {
		body := hcldec.ObjectSpec{"name": &hcldec.AttrSpec{Name: "name", Type: cty.String, Required: true}}
		for _, d := range t.allAttrs() {
			body[d.name] = &hcldec.AttrSpec{Name: d.name, Type: d.kind.ctyType()}
		}
		specs[InlinePrefix+t.name] = &hcldec.BlockListSpec{TypeName: InlinePrefix + t.name, Nested: body}
	}
	return specs
}

// ChecksFromInline builds checks from the values InlineSpecs decode to,
// keyed by block type. Checks come out in check-type order, blocks of one
// type in the order written.
func ChecksFromInline(blocks map[string]cty.Value) ([]Check, error) {
	var bs []checkBlock
	var diags hcl.Diagnostics
	for _, key := range inlineKeys(blocks) {
		list, _ := blocks[key].UnmarkDeep()
		if list.IsNull() {
			continue
		}
		if !list.IsWhollyKnown() {
			diags = append(diags, plainError("%s: values must be known when the configuration is read", key))
			continue
		}
		if !list.Type().IsListType() && !list.Type().IsTupleType() {
			diags = append(diags, plainError("%s: expected blocks, got %s", key, list.Type().FriendlyName()))
			continue
		}
		for it := list.ElementIterator(); it.Next(); {
			_, body := it.Element()
			if !body.Type().IsObjectType() && !body.Type().IsMapType() {
				diags = append(diags, plainError("%s: expected a block of attributes, got %s", key, body.Type().FriendlyName()))
				continue
			}
			b := checkBlock{typ: key[len(InlinePrefix):]}
			for attrIt := body.ElementIterator(); attrIt.Next(); {
				k, val := attrIt.Element()
				switch {
				case val.IsNull(): // not set
				case k.AsString() == "name" && val.Type() == cty.String:
					b.name = val.AsString()
				default:
					b.attrs = append(b.attrs, rawAttr{name: k.AsString(), value: val})
				}
			}
			bs = append(bs, b)
		}
	}
	return checksFromBlocks(bs, diags)
}

// ChecksFromInlineMaps builds checks from inline blocks in the plain Go
// form mapstructure produces (legacy JSON templates): block type → list
// of attribute maps, with nil for unset attributes, numbers as int or
// float64 and lists as []interface{}.
func ChecksFromInlineMaps(blocks map[string][]map[string]interface{}) ([]Check, error) {
	values := make(map[string]cty.Value, len(blocks))
	var diags hcl.Diagnostics
	for key, list := range blocks {
		var elems []cty.Value
		for _, attrs := range list {
			obj := make(map[string]cty.Value, len(attrs))
			for _, k := range sortedKeys(attrs) {
				val, err := goToCty(attrs[k])
				if err != nil {
					diags = append(diags, plainError("%s: attribute %q: %v", key, k, err))
					continue
				}
				obj[k] = val
			}
			elems = append(elems, cty.ObjectVal(obj))
		}
		if len(elems) == 0 {
			values[key] = cty.EmptyTupleVal
			continue
		}
		values[key] = cty.TupleVal(elems)
	}
	if err := specErr(diags); err != nil {
		return nil, err
	}
	return ChecksFromInline(values)
}

// inlineKeys orders block types by check type, unknown ones last.
func inlineKeys(blocks map[string]cty.Value) []string {
	rank := map[string]int{}
	for i, t := range checkTypes {
		rank[InlinePrefix+t.name] = i
	}
	keys := sortedKeys(blocks)
	sort.SliceStable(keys, func(i, j int) bool {
		ri, iok := rank[keys[i]]
		rj, jok := rank[keys[j]]
		if iok != jok {
			return iok
		}
		return ri < rj
	})
	return keys
}

func checksFromBlocks(blocks []checkBlock, diags hcl.Diagnostics) ([]Check, error) {
	var checks []Check
	seen := map[checkKey]bool{}
	for _, b := range blocks {
		c, d := decodeCheck(b)
		diags = append(diags, d...)
		if c == nil {
			continue
		}
		if k := c.Metadata().key(); seen[k] {
			diags = append(diags, plainError("%s: written twice", c.Metadata()))
			continue
		} else {
			seen[k] = true
		}
		checks = append(checks, c)
	}
	if err := specErr(diags); err != nil {
		return nil, err
	}
	return checks, nil
}

func plainError(format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf(format, args...)}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// goToCty converts the plain Go values mapstructure hands over. The
// result's type need not match the attribute: the attribute reader
// converts it and reports a mismatch in the attribute's own terms.
func goToCty(v interface{}) (cty.Value, error) {
	if v == nil {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return cty.StringVal(rv.String()), nil
	case reflect.Bool:
		return cty.BoolVal(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cty.NumberIntVal(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return cty.NumberUIntVal(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return cty.NumberFloatVal(rv.Float()), nil
	case reflect.Slice, reflect.Array:
		if rv.Len() == 0 {
			return cty.EmptyTupleVal, nil
		}
		elems := make([]cty.Value, rv.Len())
		for i := range elems {
			e, err := goToCty(rv.Index(i).Interface())
			if err != nil {
				return cty.NilVal, err
			}
			elems[i] = e
		}
		return cty.TupleVal(elems), nil
	}
	return cty.NilVal, fmt.Errorf("unsupported value of Go type %T", v)
}
