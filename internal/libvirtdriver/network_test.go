package libvirtdriver

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

const defaultNetXML = `<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
      <host mac='52:54:00:00:00:01' ip='192.168.122.5'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00::1' prefix='64'/>
</network>`

func TestParseNetwork(t *testing.T) {
	n, err := ParseNetwork(defaultNetXML)
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "default" || n.Bridge != "virbr0" || n.Forward != "nat" {
		t.Errorf("name/bridge/forward = %s %s %s", n.Name, n.Bridge, n.Forward)
	}
	if n.Gateway != netip.MustParseAddr("192.168.122.1") || n.Subnet != netip.MustParsePrefix("192.168.122.0/24") {
		t.Errorf("gateway %s subnet %s", n.Gateway, n.Subnet)
	}
	if len(n.DHCP) != 1 || n.DHCP[0].Start.String() != "192.168.122.2" || n.DHCP[0].End.String() != "192.168.122.254" {
		t.Errorf("DHCP = %+v", n.DHCP)
	}
	if len(n.Hosts) != 1 || n.Hosts[0].IP.String() != "192.168.122.5" || !n.ManagesDHCP() {
		t.Errorf("hosts = %+v", n.Hosts)
	}
}

func TestParseIsolatedNetworkWithPrefix(t *testing.T) {
	n, err := ParseNetwork(`<network><name>iso</name><ip address='10.9.0.1' prefix='16'/></network>`)
	if err != nil {
		t.Fatal(err)
	}
	if n.Forward != "" || n.Subnet.String() != "10.9.0.0/16" || n.ManagesDHCP() {
		t.Errorf("isolated network parsed as %+v", n)
	}
	if _, err := ParseNetwork(`<network><name>x</name><ip address='10.0.0.1' netmask='bogus'/></network>`); err == nil {
		t.Error("bad netmask accepted")
	}
}

func TestHostXML(t *testing.T) {
	got, err := hostXML(DHCPHost{MAC: "52:54:00:aa:bb:cc", IP: netip.MustParseAddr("192.168.122.9"), Lease: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`mac="52:54:00:aa:bb:cc"`, `ip="192.168.122.9"`, `<lease expiry="3600" unit="seconds">`} {
		if !strings.Contains(got, want) {
			t.Errorf("host XML %s lacks %s", got, want)
		}
	}
}
