package verifier

import "strings"

// ShellQuote quotes s as one word for a POSIX shell. Names and paths come
// from spec authors, so every one that reaches a command line goes through
// here; executors use it to wrap whole commands.
// Strings made only of characters no shell treats specially stay bare to
// keep commands readable in logs and tests.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
