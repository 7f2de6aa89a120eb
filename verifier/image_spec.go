package verifier

import (
	"fmt"
	"strconv"
	"strings"
)

// ImageSpec describes what the image file must look like on the host.
type ImageSpec struct {
	// Format, when set, is the required qemu-img format ("qcow2", "raw").
	Format string
	// VirtualSize, when non-zero, is the required virtual disk size in bytes.
	VirtualSize int64
	// Integrity runs `qemu-img check` (default true).
	Integrity bool
}

var imageAttrs = []attrDef{
	{name: "format", kind: kindString},
	{name: "virtual_size", kind: kindString},
	{name: "integrity", kind: kindBool},
}

func decodeImage(r *attrReader) *ImageSpec {
	img := &ImageSpec{Format: r.str("format"), Integrity: r.boolean("integrity", true)}
	if r.has("virtual_size") {
		n, err := ParseSize(r.str("virtual_size"))
		if err != nil {
			r.errorf("virtual_size", "%v", err)
		}
		img.VirtualSize = n
	}
	return img
}

// sizeUnits are binary multiples, as qemu-img means them.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tib": 1 << 40,
}

// ParseSize reads a size such as "20G", "512M", "10GiB" or "1073741824".
// Units are powers of 1024, as in qemu-img; "GB" is rejected because it
// would be read as 10^9 by some and 2^30 by others.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t) - len(strings.TrimLeft(t, "0123456789"))
	n, err := strconv.ParseInt(t[:i], 10, 64)
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if err != nil || !ok || n <= 0 {
		return 0, fmt.Errorf("expected a size such as \"20G\", \"512M\" or a byte count, got %q", s)
	}
	if n > (1<<63-1)/unit {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * unit, nil
}
