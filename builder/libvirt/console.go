package libvirt

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// consoleLines is how much of the serial console an error shows.
const consoleLines = 20

// ansi matches terminal escape sequences, which boot loaders and systemd
// write to the serial console and which would garble a build log.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]`)

// consoleTail returns the last n non-empty lines of the guest's serial
// console log, cleaned of escape sequences.
func consoleTail(path string, n int) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	data = ansi.ReplaceAll(data, nil)
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimRight(strings.Map(printable, l), " ")
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n"), nil
}

func printable(r rune) rune {
	if r == '\t' || r >= 0x20 && r != 0x7f {
		return r
	}
	return -1
}

// withConsole appends the end of the serial console to a runtime error,
// so a failed boot or shutdown shows what the guest was doing.
func withConsole(err error, path string) error {
	if path == "" {
		return err
	}
	tail, rerr := consoleTail(path, consoleLines)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w\n(serial console log %s unreadable: %v)", err, path, rerr)
	case tail == "":
		return fmt.Errorf("%w\n(the guest wrote nothing to its serial console)", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "last %d lines of the guest's serial console:", consoleLines)
	for _, l := range strings.Split(tail, "\n") {
		b.WriteString("\n  | " + l)
	}
	return fmt.Errorf("%w\n%s", err, b.String())
}
