package verifier_test

import (
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestSettingsValidate(t *testing.T) {
	if err := verifier.DefaultSettings().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	tests := []struct {
		name   string
		change func(*verifier.Settings)
		want   string
	}{
		{"parallel zero", func(s *verifier.Settings) { s.Parallel = 0 }, "parallel must be 1 to 16, got 0"},
		{"parallel too high", func(s *verifier.Settings) { s.Parallel = 17 }, "parallel must be 1 to 16, got 17"},
		{"no timeout", func(s *verifier.Settings) { s.Timeout = 0 }, "timeout must be positive"},
		{"no boot limit", func(s *verifier.Settings) { s.MaxBootSeconds = 0 }, "max_boot_seconds must be positive"},
		{"unknown built-in", func(s *verifier.Settings) { s.Disable = []string{"nope"} }, `unknown built-in check "nope"`},
	}
	for _, tt := range tests {
		s := verifier.DefaultSettings()
		tt.change(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestNewRunnerTakesSettings(t *testing.T) {
	s := verifier.DefaultSettings()
	s.Parallel, s.Timeout = 7, 3*time.Second
	r := verifier.NewRunner(s)
	if r.Parallel != 7 || r.Timeout != 3*time.Second || r.RetryInterval != 0 {
		t.Errorf("NewRunner = %+v", r)
	}
}
