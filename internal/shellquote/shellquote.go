// Package shellquote quotes words for a POSIX shell: names and paths from
// spec authors, and whole scripts run over SSH, reach a command line only
// through Quote.
package shellquote

import "strings"

// Quote quotes s as one word for a POSIX shell. Strings made only of
// characters no shell treats specially stay bare, to keep commands
// readable in logs and tests.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
