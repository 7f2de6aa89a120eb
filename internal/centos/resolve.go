package centos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// DefaultMirror is cloud.centos.org, where CentOS publishes its cloud
// images. A mirror is any base URL laid out like it.
const DefaultMirror = "https://cloud.centos.org/"

// Query asks for one GenericCloud image of a release.
type Query struct {
	// Version is a release preset: "7", "stream8", "stream9", "stream10".
	Version string
	// Arch is "x86_64" (default) or "aarch64".
	Arch string
	// Firmware is "bios" or "efi"; empty picks the release's default
	// for the architecture.
	Firmware string
	// Compose pins one dated build ("20250812.0", "2211"); empty picks
	// the newest.
	Compose string
	// Mirror is the base URL (or local directory) of a mirror of
	// cloud.centos.org; empty is DefaultMirror.
	Mirror string
}

// CloudImage is one dated GenericCloud image, pinned by its checksum.
type CloudImage struct {
	// URL is where to download it; Name its file name.
	URL, Name string
	// Checksum is "sha256:<hex>".
	Checksum string
	// Compose is the build id in its name.
	Compose string
	// Size is the file's size in bytes, 0 when the mirror does not say.
	Size int64
	// DefaultUser is the account its cloud-init creates.
	DefaultUser string
	// ChecksumURL is the checksum file it was found in.
	ChecksumURL string
}

// composeForm is what a compose id looks like: "20250812.0" (Stream),
// "2211" (CentOS 7).
var composeForm = regexp.MustCompile(`^[0-9]{4}([0-9]{4}\.[0-9]+)?$`)

// Prepare fills in defaults and checks the query without touching the
// network; every mistake is returned, each naming its field.
func (q *Query) Prepare() (Release, []error) {
	var errs []error
	if q.Arch == "" {
		q.Arch = X86_64
	}
	r, ok := Lookup(q.Version)
	if !ok {
		return r, []error{fmt.Errorf("version %q is not one of %s", q.Version, strings.Join(Versions(), ", "))}
	}
	if q.Firmware == "" {
		q.Firmware = r.DefaultFirmware(q.Arch)
	}
	if _, _, err := r.Series(q.Arch, q.Firmware); err != nil {
		errs = append(errs, fmt.Errorf("arch %q, firmware %q: %w", q.Arch, q.Firmware, err))
	}
	if q.Compose != "" && !composeForm.MatchString(q.Compose) {
		errs = append(errs, fmt.Errorf("compose %q is not a compose id such as \"20250812.0\" (Stream) or \"2211\" (CentOS 7)", q.Compose))
	}
	switch u, err := url.Parse(q.Mirror); {
	case q.Mirror == "":
		q.Mirror = DefaultMirror
	case err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file" && u.Scheme != ""):
		errs = append(errs, fmt.Errorf("mirror %q is not an http(s) URL or a local directory", q.Mirror))
	case u.Scheme == "":
		// A relative directory is the template's working directory's.
		if abs, err := filepath.Abs(q.Mirror); err == nil {
			q.Mirror = abs
		}
	}
	if !strings.HasSuffix(q.Mirror, "/") {
		q.Mirror += "/"
	}
	return r, errs
}

// Resolve reads the release's checksum file on the mirror and returns the
// newest dated image for the query's architecture and firmware, or the
// pinned compose. "-latest" names are never chosen: they move. It prepares
// the query itself, so its mistakes are errors here too.
func Resolve(ctx context.Context, client *http.Client, q Query) (CloudImage, error) {
	r, errs := q.Prepare()
	if len(errs) > 0 {
		return CloudImage{}, errors.Join(errs...)
	}
	series, pattern, _ := r.Series(q.Arch, q.Firmware)
	sumURL := q.Mirror + series.Dir + series.ChecksumFile
	entries, err := readChecksums(ctx, client, sumURL)
	if err != nil {
		return CloudImage{}, err
	}
	what := fmt.Sprintf("%s %s %s", r.Name, q.Arch, q.Firmware)
	var found []ChecksumEntry
	var composes []string
	for _, e := range entries {
		m := pattern.FindStringSubmatch(e.Name)
		if m == nil || e.Algorithm != "sha256" {
			continue
		}
		found = append(found, e)
		composes = append(composes, m[1])
	}
	if len(found) == 0 {
		return CloudImage{}, fmt.Errorf("%s lists no dated %s GenericCloud image (names like %s)", sumURL, what, pattern)
	}
	pick := newest(composes)
	if q.Compose != "" {
		pick = -1
		for i, c := range composes {
			if c == q.Compose {
				pick = i
			}
		}
		if pick < 0 {
			return CloudImage{}, fmt.Errorf("compose %s of %s is not in %s; nearest: %s",
				q.Compose, what, sumURL, strings.Join(nearest(composes, q.Compose, 3), ", "))
		}
	}
	e := found[pick]
	img := CloudImage{
		URL:         q.Mirror + series.Dir + e.Name,
		Name:        e.Name,
		Checksum:    "sha256:" + e.Sum,
		Compose:     composes[pick],
		Size:        e.Size,
		DefaultUser: r.DefaultUser,
		ChecksumURL: sumURL,
	}
	if img.Size == 0 {
		img.Size = contentLength(ctx, client, img.URL)
	}
	return img, nil
}

// readChecksums fetches and parses a checksum file, from HTTP(S) or a
// local mirror directory.
func readChecksums(ctx context.Context, client *http.Client, u string) ([]ChecksumEntry, error) {
	body, err := open(ctx, client, u)
	if err != nil {
		return nil, fmt.Errorf("read checksum file %s: %w (is the mirror reachable?)", u, err)
	}
	defer body.Close()
	entries, err := ParseChecksums(body)
	if err != nil {
		return nil, fmt.Errorf("parse checksum file %s: %w", u, err)
	}
	return entries, nil
}

func open(ctx context.Context, client *http.Client, u string) (io.ReadCloser, error) {
	if path, ok := localPath(u); ok {
		return os.Open(path)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return resp.Body, nil
}

// contentLength asks the mirror for a file's size; 0 when it does not say.
func contentLength(ctx context.Context, client *http.Client, u string) int64 {
	if path, ok := localPath(u); ok {
		if fi, err := os.Stat(path); err == nil {
			return fi.Size()
		}
		return 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return 0
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength < 0 {
		return 0
	}
	return resp.ContentLength
}

func localPath(u string) (string, bool) {
	if strings.HasPrefix(u, "file://") {
		return strings.TrimPrefix(u, "file://"), true
	}
	if filepath.IsAbs(u) {
		return u, true
	}
	return "", false
}

// composeKey orders compose ids numerically field by field:
// "20250812.10" is newer than "20250812.9".
func composeKey(c string) []int {
	var key []int
	for _, f := range strings.Split(c, ".") {
		n, _ := strconv.Atoi(f)
		key = append(key, n)
	}
	return key
}

func composeLess(a, b string) bool {
	ka, kb := composeKey(a), composeKey(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	return len(ka) < len(kb)
}

func newest(composes []string) int {
	best := 0
	for i, c := range composes {
		if composeLess(composes[best], c) {
			best = i
		}
	}
	return best
}

// nearest lists up to n composes around where want would sort, newest
// first, for an error message.
func nearest(composes []string, want string, n int) []string {
	sorted := append([]string(nil), composes...)
	sort.Slice(sorted, func(i, j int) bool { return composeLess(sorted[i], sorted[j]) })
	at := sort.Search(len(sorted), func(i int) bool { return !composeLess(sorted[i], want) })
	lo, hi := at-(n+1)/2, at+n/2
	if lo < 0 {
		hi, lo = hi-lo, 0
	}
	if hi > len(sorted) {
		lo, hi = max(0, lo-(hi-len(sorted))), len(sorted)
	}
	out := sorted[lo:hi]
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
