package centos

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ChecksumEntry is one file listed in a checksum file.
type ChecksumEntry struct {
	Name string
	// Algorithm is the lower-case hash name ("sha256").
	Algorithm string
	// Sum is the hex digest, lower case.
	Sum string
	// Size is the file's size in bytes when the checksum file says it
	// (CentOS's BSD-format CHECKSUM files carry "# name: N bytes"
	// comments), else 0.
	Size int64
}

var (
	// SHA256 (CentOS-Stream-GenericCloud-9-20250812.0.x86_64.qcow2) = 3f…
	bsdLine = regexp.MustCompile(`^([A-Za-z0-9-]+) ?\((.+)\) ?= ?([0-9A-Fa-f]+)$`)
	// 3f…  CentOS-7-x86_64-GenericCloud-2211.qcow2   (or " *name": binary mode)
	gnuLine = regexp.MustCompile(`^([0-9A-Fa-f]{32,128}) [ *]?(.+)$`)
	// # CentOS-Stream-GenericCloud-9-20250812.0.x86_64.qcow2: 1234 bytes
	sizeComment = regexp.MustCompile(`^#\s*(.+?):\s*([0-9]+) bytes$`)
)

// hashLengths are the digests the parser accepts for GNU lines, which do
// not name their algorithm.
var hashLengths = map[int]string{32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}

// ParseChecksums reads a checksum file in GNU coreutils format
// ("<hex>  <name>") or BSD format ("SHA256 (<name>) = <hex>"), both as
// CentOS publishes them: "#" comment lines (whose "name: N bytes" form
// gives sizes), CRLF line ends, no final newline. A line that is neither
// is an error naming its number.
func ParseChecksums(r io.Reader) ([]ChecksumEntry, error) {
	var entries []ChecksumEntry
	sizes := map[string]int64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#"):
			if m := sizeComment.FindStringSubmatch(line); m != nil {
				if size, err := strconv.ParseInt(m[2], 10, 64); err == nil {
					sizes[m[1]] = size
				}
			}
			continue
		}
		if m := bsdLine.FindStringSubmatch(line); m != nil {
			entries = append(entries, ChecksumEntry{Name: m[2], Algorithm: strings.ToLower(m[1]), Sum: strings.ToLower(m[3])})
			continue
		}
		if m := gnuLine.FindStringSubmatch(line); m != nil {
			algo, ok := hashLengths[len(m[1])]
			if !ok {
				return nil, fmt.Errorf("line %d: a %d-digit hash is no md5, sha1, sha256 or sha512", n, len(m[1]))
			}
			entries = append(entries, ChecksumEntry{Name: strings.TrimSpace(m[2]), Algorithm: algo, Sum: strings.ToLower(m[1])})
			continue
		}
		return nil, fmt.Errorf("line %d is neither GNU (\"<hash>  <file>\") nor BSD (\"SHA256 (<file>) = <hash>\") format: %q", n, truncate(line, 80))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for i := range entries {
		entries[i].Size = sizes[entries[i].Name]
	}
	return entries, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
