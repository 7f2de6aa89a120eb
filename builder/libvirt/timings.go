package libvirt

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
)

// writeTimings writes the build's phases beside the image, for the
// verify report's timeline and for whoever makes builds faster, and
// returns them as JSON too, for the artifact.
func writeTimings(dir string, rec timeline.Record) (string, string, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return "", "", fmt.Errorf("encode the phase timings: %w", err)
	}
	path := filepath.Join(dir, timeline.FileName)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return "", "", fmt.Errorf("write the phase timings: %w", err)
	}
	return string(data), path, nil
}
