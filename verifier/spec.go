package verifier

// Spec is everything a verification run is told to check.
type Spec struct {
	Settings Settings
	// Image, when set, describes host-side checks of the image file.
	Image *ImageSpec
	// Checks run in this order in reports; they may run concurrently.
	Checks []Check
}

// NewSpec returns a spec with default settings and no checks, for callers
// with inline checks but no spec file.
func NewSpec() *Spec {
	return &Spec{Settings: DefaultSettings()}
}

// MergeChecks adds checks to the spec. A check with the same type and name
// as one already present replaces it in place, so inline checks in a Packer
// template override a shared spec file; others are appended in order.
func (s *Spec) MergeChecks(checks []Check) {
	index := make(map[checkKey]int, len(s.Checks))
	for i, c := range s.Checks {
		index[c.Metadata().key()] = i
	}
	for _, c := range checks {
		k := c.Metadata().key()
		if i, ok := index[k]; ok {
			s.Checks[i] = c
			continue
		}
		index[k] = len(s.Checks)
		s.Checks = append(s.Checks, c)
	}
}
