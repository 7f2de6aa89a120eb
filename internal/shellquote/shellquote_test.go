package shellquote

import (
	"os/exec"
	"testing"
)

func TestQuoteTable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"openssh-server", "openssh-server"},
		{"/etc/ssh/sshd_config", "/etc/ssh/sshd_config"},
		{"getty@tty1.service", "getty@tty1.service"},
		{"", "''"},
		{"two words", "'two words'"},
		{"it's", `'it'\''s'`},
		{"$(reboot)", "'$(reboot)'"},
		{"a;b|c&d", "'a;b|c&d'"},
		{"line\nbreak", "'line\nbreak'"},
		{"*", "'*'"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// A real shell must get back exactly the string that was quoted.
func TestQuoteRoundTripsThroughSh(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{"plain", "", "it's", `"double" \back\slash`, "$HOME `id` $(id)", "tab\there\nnewline", "*?[a]", "'", "''", "-n"} {
		out, err := exec.Command("sh", "-c", "printf '%s' "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("sh for %q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("sh saw %q for %q", out, s)
		}
	}
}
