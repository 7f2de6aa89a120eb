package sizes

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"20G", 20 * GiB, false},
		{"20GiB", 20 * GiB, false},
		{"20 gb", 20 * GiB, false},
		{"512M", 512 * MiB, false},
		{"10240", 10240 * MiB, false},
		{"1T", TiB, false},
		{"64K", 64 * KiB, false},
		{"", 0, true},
		{"G", 0, true},
		{"20X", 0, true},
		{"0G", 0, true},
		{"-1G", 0, true},
		{"1.5G", 0, true},
		{"99999999999999T", 0, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := map[int64]string{
		20 * GiB:          "20 GiB",
		GiB + GiB/2:       "1.5 GiB",
		512 * MiB:         "512 MiB",
		100:               "100 B",
		3 * TiB:           "3 TiB",
		130*MiB + 300*KiB: "130.3 MiB",
	}
	for in, want := range tests {
		if got := Format(in); got != want {
			t.Errorf("Format(%d) = %q, want %q", in, got, want)
		}
	}
}
