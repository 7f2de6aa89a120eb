package verifier

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The spec reference in docs/post-processors/verify.mdx is the user-facing
// reference; these tests keep it from falling
// behind the code.

func readSpecDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/post-processors/verify.mdx")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docSection returns the text under the heading "### `name`" or "## `name`"
// up to the next heading of any level.
func docSection(t *testing.T, doc, name string) string {
	t.Helper()
	re := regexp.MustCompile("(?m)^#{2,3} `" + regexp.QuoteMeta(name) + "`\n")
	loc := re.FindStringIndex(doc)
	if loc == nil {
		t.Fatalf("the spec reference has no section for %s", name)
	}
	rest := doc[loc[1]:]
	if end := regexp.MustCompile("(?m)^#{1,3} ").FindStringIndex(rest); end != nil {
		rest = rest[:end[0]]
	}
	return rest
}

// documents reports whether a section's table has a row for attr with
// its type.
func documents(section string, d attrDef) bool {
	row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(d.name) + "` +\\| " + regexp.QuoteMeta(d.kind.String()) + " +\\|")
	return row.MatchString(section)
}

func TestSpecDocCoversEveryCheckAttribute(t *testing.T) {
	doc := readSpecDoc(t)
	for _, ct := range checkTypes {
		section := docSection(t, doc, ct.name)
		for _, d := range ct.attrs {
			if !documents(section, d) {
				t.Errorf("the spec reference section %s lacks a row for %s (%s)", ct.name, d.name, d.kind)
			}
			if d.required && !strings.Contains(section, "| required") {
				t.Errorf("the spec reference section %s does not say %s is required", ct.name, d.name)
			}
		}
	}
}

func TestSpecDocCoversSettingsImageCommonAndBuiltins(t *testing.T) {
	doc := readSpecDoc(t)
	for block, defs := range map[string][]attrDef{"settings": settingsAttrs, "image": imageAttrs} {
		section := docSection(t, doc, block)
		for _, d := range defs {
			if !documents(section, d) {
				t.Errorf("the spec reference section %s lacks a row for %s (%s)", block, d.name, d.kind)
			}
		}
	}
	common := doc[strings.Index(doc, "### Attributes every check accepts"):]
	for _, d := range commonAttrs {
		if !documents(common, d) {
			t.Errorf("the spec reference lacks common attribute %s (%s)", d.name, d.kind)
		}
	}
	for _, name := range BuiltinNames() {
		if !regexp.MustCompile("(?m)^\\| `" + name + "` ").MatchString(doc) {
			t.Errorf("the spec reference lacks built-in check %s", name)
		}
	}
}

func TestSpecDocExamplesAreTheTestdataFiles(t *testing.T) {
	doc := readSpecDoc(t)
	full := doc[strings.Index(doc, "## Full example"):]
	for _, ex := range []struct{ lang, file string }{{"hcl", "testdata/full.hcl"}, {"json", "testdata/full.json"}} {
		m := regexp.MustCompile("(?s)```" + ex.lang + "\n(.*?)```").FindStringSubmatch(full)
		if m == nil {
			t.Fatalf("the spec reference full example has no %s block", ex.lang)
		}
		want, err := os.ReadFile(ex.file)
		if err != nil {
			t.Fatal(err)
		}
		if m[1] != string(want) {
			t.Errorf("the spec reference %s example differs from %s", ex.lang, ex.file)
		}
	}
	fromHCL, err := ParseFile("testdata/full.hcl")
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseFile("testdata/full.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromHCL, fromJSON) {
		t.Error("the HCL and JSON examples mean different things")
	}
}
