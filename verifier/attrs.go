package verifier

import (
	"fmt"
	"math/big"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// rawAttr is one attribute as written, before validation. Ranges are nil for
// values that Packer decoded before handing them over.
type rawAttr struct {
	name       string
	value      cty.Value
	nameRange  *hcl.Range
	valueRange *hcl.Range
	// invalid marks a value that failed to evaluate and was reported then;
	// it still counts as given so it is not also reported missing.
	invalid bool
}

// attrReader validates a block's raw attributes against their definitions
// and hands out typed values, collecting every problem as a diagnostic so a
// spec author sees all of them at once.
type attrReader struct {
	// subject prefixes every message, e.g. `check "service" "sshd"`.
	subject string
	// where completes "is not valid ..." messages, e.g. "for a service check".
	where string
	// block is where problems with the block as a whole are reported.
	block *hcl.Range

	defs   []attrDef
	values map[string]any
	ranges map[string]*hcl.Range
	diags  hcl.Diagnostics
}

func newAttrReader(subject, where string, block *hcl.Range, defs []attrDef) *attrReader {
	return &attrReader{
		subject: subject,
		where:   where,
		block:   block,
		defs:    defs,
		values:  map[string]any{},
		ranges:  map[string]*hcl.Range{},
	}
}

// load validates raws against the definitions and requires the required ones.
func (r *attrReader) load(raws []rawAttr) {
	for _, raw := range raws {
		def, ok := r.def(raw.name)
		if !ok {
			r.report(raw.nameRange, "attribute %q is not valid %s; valid: %s", raw.name, r.where, attrNames(r.defs))
			continue
		}
		r.ranges[raw.name] = raw.valueRange
		if raw.invalid {
			continue
		}
		if v, ok := r.convert(raw, def); ok {
			r.values[raw.name] = v
		}
	}
	for _, d := range r.defs {
		if _, ok := r.values[d.name]; d.required && !ok {
			if _, given := r.ranges[d.name]; !given {
				r.report(r.block, "missing required attribute %q", d.name)
			}
		}
	}
}

func (r *attrReader) def(name string) (attrDef, bool) {
	for _, d := range r.defs {
		if d.name == name {
			return d, true
		}
	}
	return attrDef{}, false
}

// convert turns a raw value into the Go value for its kind. Null means
// unset, which is how Packer hands over attributes the user left out.
func (r *attrReader) convert(raw rawAttr, def attrDef) (any, bool) {
	v, _ := raw.value.UnmarkDeep()
	if v.IsNull() {
		return nil, false
	}
	if !v.IsWhollyKnown() {
		r.report(raw.valueRange, "attribute %q: value must be known when the spec is read", raw.name)
		return nil, false
	}
	cv, err := convert.Convert(v, def.kind.ctyType())
	if err != nil {
		r.report(raw.valueRange, "attribute %q: expected %s, got %s", raw.name, def.kind, v.Type().FriendlyName())
		return nil, false
	}
	switch def.kind {
	case kindBool:
		return cv.True(), true
	case kindInt:
		i, acc := cv.AsBigFloat().Int64()
		if acc != big.Exact {
			r.report(raw.valueRange, "attribute %q: expected a whole number, got %s", raw.name, cv.AsBigFloat().Text('g', -1))
			return nil, false
		}
		return int(i), true
	case kindStringList:
		var list []string
		for it := cv.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				r.report(raw.valueRange, "attribute %q: list elements must not be null", raw.name)
				return nil, false
			}
			list = append(list, e.AsString())
		}
		return list, true
	case kindDuration:
		d, err := time.ParseDuration(cv.AsString())
		if err != nil || d <= 0 {
			r.report(raw.valueRange, "attribute %q: expected a positive duration such as \"30s\" or \"2m\", got %q", raw.name, cv.AsString())
			return nil, false
		}
		return d, true
	default:
		return cv.AsString(), true
	}
}

// report records an error about the block, at rng when known.
func (r *attrReader) report(rng *hcl.Range, format string, args ...any) {
	if rng == nil {
		rng = r.block
	}
	r.diags = append(r.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  r.subject + ": " + fmt.Sprintf(format, args...),
		Subject:  rng,
	})
}

// errorf records an error about attribute name's value.
func (r *attrReader) errorf(name, format string, args ...any) {
	r.report(r.ranges[name], "attribute %q: %s", name, fmt.Sprintf(format, args...))
}

func (r *attrReader) has(name string) bool {
	_, ok := r.values[name]
	return ok
}

func (r *attrReader) str(name string) string {
	s, _ := r.values[name].(string)
	return s
}

func (r *attrReader) boolean(name string, def bool) bool {
	if b, ok := r.values[name].(bool); ok {
		return b
	}
	return def
}

// optBool distinguishes "not set" from false for attributes whose absence
// means "do not check".
func (r *attrReader) optBool(name string) *bool {
	if b, ok := r.values[name].(bool); ok {
		return &b
	}
	return nil
}

func (r *attrReader) integer(name string, def int) int {
	if i, ok := r.values[name].(int); ok {
		return i
	}
	return def
}

// optInt distinguishes "not set" from zero.
func (r *attrReader) optInt(name string) *int {
	if i, ok := r.values[name].(int); ok {
		return &i
	}
	return nil
}

func (r *attrReader) list(name string) []string {
	l, _ := r.values[name].([]string)
	return l
}

func (r *attrReader) duration(name string) time.Duration {
	d, _ := r.values[name].(time.Duration)
	return d
}

// oneOf reports an error unless the attribute, when set, is one of allowed.
func (r *attrReader) oneOf(name string, allowed ...string) {
	if !r.has(name) {
		return
	}
	v := r.str(name)
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	r.errorf(name, "expected one of %s, got %q", quotedList(allowed), v)
}

// requireExistsFor reports an error for each of names that is set while
// exists = false, since those attributes describe an object that exists.
func (r *attrReader) requireExistsFor(names ...string) {
	if r.boolean("exists", true) {
		return
	}
	for _, n := range names {
		if r.has(n) {
			r.errorf(n, "cannot be combined with exists = false")
		}
	}
}

func quotedList(items []string) string {
	s := ""
	for i, it := range items {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", it)
	}
	return s
}
