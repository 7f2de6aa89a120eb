package verifier

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// HTTPCheck requests a URL from inside the guest with curl. Only local
// addresses are allowed: the check verifies a service the image runs, and
// the guest is not expected to reach anything else during verification.
// Redirects are not followed and TLS certificates are not verified, since a
// freshly booted image typically serves a self-signed one.
type HTTPCheck struct {
	Meta
	URL string
	// Status is the required HTTP status (default 200).
	Status int
	// BodyContains lists substrings the response body must contain.
	BodyContains []string
}

// localHosts are the hosts an http check may address.
var localHosts = map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}

var httpType = checkType{
	name: "http",
	attrs: []attrDef{
		{name: "url", kind: kindString, required: true},
		{name: "status", kind: kindInt},
		{name: "body_contains", kind: kindStringList},
	},
	validateName: freeName,
	build: func(m Meta, r *attrReader) Check {
		c := &HTTPCheck{Meta: m, URL: r.str("url"), Status: r.integer("status", 200), BodyContains: r.list("body_contains")}
		if r.has("url") {
			if problem := checkLocalURL(c.URL); problem != "" {
				r.errorf("url", "%s", problem)
			}
		}
		if c.Status < 100 || c.Status > 599 {
			r.errorf("status", "expected an HTTP status between 100 and 599, got %d", c.Status)
		}
		return c
	},
}

func checkLocalURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Sprintf("invalid URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("expected an http or https URL, got scheme %q", u.Scheme)
	case !localHosts[u.Hostname()]:
		return fmt.Sprintf("expected a local address (localhost, 127.0.0.1 or [::1]), got host %q", u.Hostname())
	}
	return ""
}

// curlMissing is printed when the guest has no curl, so that case can be
// told apart from curl failing to connect.
const curlMissing = "verifier: curl not found"

// httpCommand fetches u and prints the body, a newline and the status code.
func httpCommand(u string, maxTime time.Duration) string {
	return fmt.Sprintf("command -v curl >/dev/null 2>&1 || { echo '%s' >&2; exit 127; }; "+
		"curl -sS -k --max-time %d -w '\\n%%{http_code}' %s", curlMissing, wholeSeconds(maxTime), shellquote.Quote(u))
}

// Evaluate fetches the URL, bounded by what is left of the check's timeout.
func (c *HTTPCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	maxTime := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		maxTime = time.Until(dl)
	}
	res, err := g.Run(ctx, httpCommand(c.URL, maxTime))
	if err != nil {
		return execError("curl", err)
	}
	return c.judge(res)
}

func (c *HTTPCheck) judge(res ExecResult) Verdict {
	if res.ExitStatus == 127 && strings.Contains(res.Stderr, curlMissing) {
		return Errorf("curl is not installed in the guest; the http check needs it")
	}
	if res.ExitStatus != 0 {
		return Failf("expected status %d, got no response: %s", c.Status, firstLine(res.Stderr))
	}
	i := strings.LastIndex(res.Stdout, "\n")
	if i < 0 {
		return Errorf("curl: unexpected output %q", abbreviate(res.Stdout))
	}
	body, codeText := res.Stdout[:i], strings.TrimSpace(res.Stdout[i+1:])
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return Errorf("curl: unexpected status %q", codeText)
	}
	if code != c.Status {
		return Failf("expected status %d, got %d", c.Status, code)
	}
	for _, s := range c.BodyContains {
		if !strings.Contains(body, s) {
			return Failf("expected body to contain %q, got %q", s, abbreviate(body))
		}
	}
	return Pass()
}
