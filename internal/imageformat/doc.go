// Package imageformat holds what each deployment target's disk format
// must satisfy, and the writers the qemu-img formats lack: the VHD footer
// Azure's import rules are checked against, and Google Compute Engine's
// image-import archive. (Issue 13 builds the export outputs on it.)
package imageformat
