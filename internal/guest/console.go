package guest

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// ConsoleLines is how much of the serial console an error shows.
const ConsoleLines = 20

// ansi matches terminal escape sequences, which boot loaders and systemd
// write to the serial console and which would garble a build log: CSI
// sequences, character set selections and the single-character ones
// (such as ESC M, reverse line feed).
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>]`)

// ConsoleTail returns the last n non-empty lines of a serial console log,
// cleaned of escape sequences.
func ConsoleTail(path string, n int) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	data = ansi.ReplaceAll(data, nil)
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		// A carriage return starts the line over, as on a terminal:
		// systemd redraws its progress line that way.
		l = strings.TrimRight(l, "\r")
		if i := strings.LastIndex(l, "\r"); i >= 0 {
			l = l[i+1:]
		}
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

// WithConsole appends the end of the guest's serial console to a runtime
// error, so a failed boot or shutdown shows what the guest was doing.
func (g *Guest) WithConsole(err error) error {
	return WithConsole(err, g.ConsoleLog)
}

// WithConsole appends the end of the serial console log at path to err.
func WithConsole(err error, path string) error {
	if path == "" {
		return err
	}
	tail, rerr := ConsoleTail(path, ConsoleLines)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w\n(serial console log %s unreadable: %v)", err, path, rerr)
	case tail == "":
		return fmt.Errorf("%w\n(the guest wrote nothing to its serial console)", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "last %d lines of the guest's serial console:", ConsoleLines)
	for _, l := range strings.Split(tail, "\n") {
		b.WriteString("\n  | " + l)
	}
	return fmt.Errorf("%w\n%s", err, b.String())
}
