// Package libvirtdriver is the plugin's only contact with libvirt: a thin,
// typed layer over libvirt.org/go/libvirt for the handful of operations a
// build or verify run needs. Callers declare the small interface they use;
// package fake offers an in-memory stand-in for step tests.
package libvirtdriver

import (
	"errors"
	"net/netip"
	"time"
)

// Network is a libvirt network as far as a build cares.
type Network struct {
	Name   string
	Bridge string
	Active bool
	// Forward is the forward mode ("nat", "route", "bridge", ...), empty
	// for an isolated network.
	Forward string
	// Gateway is the host's address on the network and Subnet its prefix;
	// both are invalid when libvirt does not manage addressing.
	Gateway netip.Addr
	Subnet  netip.Prefix
	// DHCP lists the dynamic ranges; empty when libvirt runs no DHCP.
	DHCP []Range
	// Hosts are the fixed DHCP host entries.
	Hosts []DHCPHost
}

// ManagesDHCP tells whether libvirt's dnsmasq hands out addresses here, so
// a reservation can be added and leases can be read.
func (n Network) ManagesDHCP() bool { return len(n.DHCP) > 0 }

// Range is an inclusive address range.
type Range struct{ Start, End netip.Addr }

// DHCPHost is a fixed address for a MAC.
type DHCPHost struct {
	MAC  string
	Name string
	IP   netip.Addr
	// Lease is how long dnsmasq's lease lasts; 0 means the network default.
	Lease time.Duration
}

// Lease is an address handed out by the network's DHCP server.
type Lease struct {
	MAC      string
	IP       netip.Addr
	Hostname string
	Expiry   time.Time
}

// OwnedDomain is a defined domain with a metadata element of a given
// namespace.
type OwnedDomain struct {
	Name     string
	Metadata string
}

// VolumeInfo is a volume of a storage pool.
type VolumeInfo struct {
	Name string
	// Path is where the hypervisor host keeps it.
	Path string
	// Capacity is its virtual size — of the image in it, when libvirt
	// recognizes one, whatever format the volume was made with —,
	// Allocation what it takes up, and Physical the size of the file
	// holding it (Capacity where libvirt reports none).
	Capacity, Allocation, Physical uint64
	// BackingPath is the volume a qcow2 overlay reads through to.
	BackingPath string
	// Modified is the volume's mtime on the hypervisor host (Unix
	// nanoseconds), 0 where the pool type keeps none: any write moves it.
	// (Not the ctime: libvirt changes a backing file's owner and label
	// whenever a domain uses it.)
	Modified int64
}

// ErrExists is returned (wrapped) when a volume to create already exists.
var ErrExists = errors.New("it exists already")

// ErrNotFound is returned (wrapped) when a domain or network does not exist.
var ErrNotFound = errors.New("not found")

// ErrConnectionLost is returned by waits when libvirtd went away.
var ErrConnectionLost = errors.New("connection to libvirtd lost")
