package guest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// ConsoleLines is how much of the serial console an error shows.
const ConsoleLines = 20

// ansi matches terminal escape sequences, which boot loaders and systemd
// write to the serial console and which would garble a build log: CSI
// sequences, character set selections and the single-character ones
// (such as ESC M, reverse line feed) — and a CSI sequence cut short,
// which systemd leaves when it shortens a status line to the console's
// width ("device \x1b[0;1;…e2d3c").
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>]|\x1b\[[0-9;?]*`)

// ConsoleTail returns the last n non-empty lines of a serial console log,
// cleaned of escape sequences.
func ConsoleTail(path string, n int) (string, error) {
	return consoleTail(path, 0, n)
}

// consoleTail is ConsoleTail of what the log holds past offset.
func consoleTail(path string, offset int64, n int) (string, error) {
	data, err := readFrom(path, offset)
	if err != nil {
		return "", err
	}
	lines := cleanLines(data)
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n"), nil
}

// cutSGR is what is left of a colour sequence whose ESC systemd's
// shortening replaced with an ellipsis ("ssh.servic…[0m").
var cutSGR = regexp.MustCompile(`…\[[0-9;]*m`)

// cleanLines splits console output into its non-empty lines, without
// escape sequences or other control characters.
func cleanLines(data []byte) []string {
	data = ansi.ReplaceAll(data, nil)
	data = cutSGR.ReplaceAll(data, []byte("…"))
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
	return lines
}

func printable(r rune) rune {
	if r == '\t' || r >= 0x20 && r != 0x7f {
		return r
	}
	return -1
}

// readFrom reads the file at path from offset to its end.
func readFrom(path string, offset int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// consoleSize is how much the guest has written to its console so far.
func (g *Guest) consoleSize() int64 {
	fi, err := os.Stat(g.ConsoleLog)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// WithConsole appends the end of the guest's serial console to a runtime
// error, so a failed boot or shutdown shows what the guest was doing.
// After a reboot it shows only what the guest wrote since.
func (g *Guest) WithConsole(err error) error {
	if g.rebooted {
		return withConsole(err, g.ConsoleLog, g.consoleFrom, " since its reboot")
	}
	return WithConsole(err, g.ConsoleLog)
}

// WithConsole appends the end of the serial console log at path to err.
func WithConsole(err error, path string) error {
	return withConsole(err, path, 0, "")
}

func withConsole(err error, path string, offset int64, since string) error {
	if path == "" {
		return err
	}
	tail, rerr := consoleTail(path, offset, ConsoleLines)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w\n(serial console log %s unreadable: %v)", err, path, rerr)
	case tail == "":
		return fmt.Errorf("%w\n(the guest wrote nothing to its serial console%s)", err, since)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "last %d lines of the guest's serial console%s:", ConsoleLines, since)
	for _, l := range strings.Split(tail, "\n") {
		b.WriteString("\n  | " + l)
	}
	return fmt.Errorf("%w\n%s", err, b.String())
}
