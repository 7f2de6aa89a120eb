// Package verifier checks a booted machine image against a declarative spec.
//
// The pipeline is: parse a spec (HCL or JSON, see ParseFile) or build checks
// from values Packer already decoded (ChecksFromValue, ChecksFromMap); run the
// checks and the built-in first-boot and hygiene checks against a guest reached
// through an Executor (Verify); render the results (Report.WriteText,
// Report.WriteJUnit, Report.WriteJSON). ImageChecker inspects the image file on
// the host without booting it.
//
// The package has no Packer imports so it can be used and tested on its own;
// the verify post-processor is a thin adapter around it.
package verifier
