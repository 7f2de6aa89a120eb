// Package sizes parses the human-friendly sizes users write in templates
// ("20G", "512MiB", "10240") into bytes.
package sizes

import (
	"fmt"
	"strconv"
	"strings"
)

// Binary multiples; qemu-img and libvirt use these for K/M/G/T too.
const (
	KiB int64 = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

var units = map[string]int64{
	"K": KiB, "KB": KiB, "KIB": KiB,
	"M": MiB, "MB": MiB, "MIB": MiB,
	"G": GiB, "GB": GiB, "GIB": GiB,
	"T": TiB, "TB": TiB, "TIB": TiB,
}

// Parse turns a size into bytes. A bare number means MiB, as in
// packer-plugin-qemu's disk_size, so templates move over unchanged.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty size")
	}
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	num, unit := s, "M"
	if i == 0 {
		return 0, fmt.Errorf("size %q must start with a number", s)
	}
	if i > 0 {
		num, unit = s[:i], strings.ToUpper(strings.TrimSpace(s[i:]))
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	mult, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("size %q has unknown unit %q (use K, M, G or T)", s, s[i:])
	}
	if n <= 0 {
		return 0, fmt.Errorf("size %q must be greater than zero", s)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// Format renders bytes for people: "20 GiB", "1.5 GiB", "512 MiB".
func Format(b int64) string {
	switch {
	case b >= TiB:
		return trim(float64(b)/float64(TiB)) + " TiB"
	case b >= GiB:
		return trim(float64(b)/float64(GiB)) + " GiB"
	case b >= MiB:
		return trim(float64(b)/float64(MiB)) + " MiB"
	case b >= KiB:
		return trim(float64(b)/float64(KiB)) + " KiB"
	}
	return strconv.FormatInt(b, 10) + " B"
}

func trim(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
}
