// Package imageformat writes a build's disk in the format each deployment
// target imports — qcow2, raw, streamOptimized VMDK, Azure's fixed VHD,
// Hyper-V's VHDX, Google Compute Engine's import archive, an OVA and a
// KubeVirt containerDisk — to that target's published rules, and reads
// each back as a disk qemu-img can compare with the one that was
// verified.
//
// WriteAll writes every output of a build from one flattened copy of its
// disk, in parallel and streaming; OpenDisk is its inverse. Nothing here
// knows Packer: the builder and the verifier both use it.
package imageformat
