// Package e2e holds the end-to-end tests: they drive the real packer
// binary, with this plugin installed, against the real libvirtd of the test
// world (internal/testworld), booting the stand-in guest under TCG.
//
// They run with `go test -tags e2e` inside the world (`make test` does
// this); the world's environment variables tell them where everything is.
package e2e
