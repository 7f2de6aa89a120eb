package verifier

import (
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// attrKind is the value type of a spec attribute.
type attrKind int

const (
	kindString attrKind = iota
	kindBool
	kindInt
	kindStringList
	kindDuration
)

func (k attrKind) ctyType() cty.Type {
	switch k {
	case kindBool:
		return cty.Bool
	case kindInt:
		return cty.Number
	case kindStringList:
		return cty.List(cty.String)
	default:
		return cty.String
	}
}

// String describes the kind the way error messages and the spec reference do.
func (k attrKind) String() string {
	switch k {
	case kindBool:
		return "bool"
	case kindInt:
		return "number"
	case kindStringList:
		return "list of strings"
	case kindDuration:
		return "duration string"
	default:
		return "string"
	}
}

// attrDef declares one attribute a block accepts.
type attrDef struct {
	name     string
	kind     attrKind
	required bool
}

// commonAttrs are accepted by every check type.
var commonAttrs = []attrDef{
	{name: "description", kind: kindString},
	{name: "timeout", kind: kindDuration},
	{name: "retry", kind: kindBool},
}

// checkType describes one kind of check: which attributes it takes, how
// its label is validated and how a Check is built from decoded attributes.
type checkType struct {
	name string
	// attrs are the type-specific attributes, in documentation order.
	attrs []attrDef
	// validateName reports a problem with the second label, or "".
	validateName func(name string) string
	build        func(m Meta, r *attrReader) Check
}

// allAttrs returns the type-specific attributes followed by the common ones.
func (t *checkType) allAttrs() []attrDef {
	return append(append([]attrDef(nil), t.attrs...), commonAttrs...)
}

// checkTypes lists every check type a spec may use.
var checkTypes = []*checkType{
	&packageType,
	&serviceType,
	&fileType,
	&portType,
	&userType,
	&groupType,
	&commandType,
	&kernelParamType,
	&mountType,
	&httpType,
	&selinuxType,
	&firewallType,
}

func lookupCheckType(name string) *checkType {
	for _, t := range checkTypes {
		if t.name == name {
			return t
		}
	}
	return nil
}

// CheckTypes returns the names of all check types, sorted.
func CheckTypes() []string {
	names := make([]string, 0, len(checkTypes))
	for _, t := range checkTypes {
		names = append(names, t.name)
	}
	sort.Strings(names)
	return names
}

func attrNames(defs []attrDef) string {
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.name
	}
	return strings.Join(names, ", ")
}

// validLabel rejects empty labels and ones a command would take for an
// option; the label is quoted, but quoting does not stop "-x" being parsed
// as a flag.
func validLabel(what string) func(string) string {
	return func(name string) string {
		switch {
		case name == "":
			return what + " must not be empty"
		case strings.HasPrefix(name, "-"):
			return what + " must not start with \"-\""
		case strings.ContainsAny(name, " \t\r\n"):
			return what + " must not contain whitespace"
		}
		return ""
	}
}

// freeName accepts any non-empty label; it only names the check in reports.
func freeName(name string) string {
	if strings.TrimSpace(name) == "" {
		return "check name must not be empty"
	}
	return ""
}

// absolutePath requires a label that is an absolute path.
func absolutePath(name string) string {
	if !strings.HasPrefix(name, "/") {
		return "path must be absolute"
	}
	if strings.ContainsAny(name, "\x00\n") {
		return "path must not contain NUL or newline"
	}
	return ""
}
