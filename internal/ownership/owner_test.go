package ownership

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// Field 22 is the start time; the command name may hold spaces and
	// parentheses of its own.
	tail := " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21\n"
	for _, tc := range []struct {
		name, stat string
		want       uint64
		ok         bool
	}{
		{"plain", "42 (packer-plugin)" + tail, 987654, true},
		{"spaces and parentheses in the name", "42 (a) b (c))" + tail, 987654, true},
		{"no name", "42 packer" + tail, 0, false},
		{"zombie", "42 (packer-plugin) Z" + tail[2:], 0, false},
		{"being torn down", "42 (packer-plugin) X" + tail[2:], 0, false},
		{"cut short", "42 (x) S 1 2 3", 0, false},
		{"not a number", "42 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 soon 20", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.stat))
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("parseStat = %d, %v; want %d, ok %v", got, err, tc.want, tc.ok)
			}
		})
	}
}

// TestCheckOwner runs the owner check against real processes: a live
// child, the same pid with another start time (a reused pid), an exited
// child, another boot and another host.
func TestCheckOwner(t *testing.T) {
	host, err := ThisHost()
	if err != nil {
		t.Skip(err) // no /proc: not Linux
	}
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	start, err := processStart(child.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	live := Owner{Host: host.Name, Boot: host.Boot, PIDNamespace: host.PIDNamespace, PID: child.Process.Pid, Start: start, Build: "b"}

	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	gone := live
	gone.PID = exited.Process.Pid

	reused := live
	reused.Start = start - 1
	rebooted := live
	rebooted.Boot = "another-boot"
	elsewhere := live
	elsewhere.Host = host.Name + "-other"
	container := gone
	container.PIDNamespace = "pid:[1]"

	for _, tc := range []struct {
		name  string
		owner Owner
		want  State
	}{
		{"live process", live, Alive},
		{"same pid, other start time", reused, Gone},
		{"exited process", gone, Gone},
		{"host rebooted", rebooted, Gone},
		{"another host", elsewhere, Elsewhere},
		{"another pid namespace, same pid", container, Elsewhere},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, why := host.Check(tc.owner); got != tc.want {
				t.Errorf("Check = %v (%s), want %v", got, why, tc.want)
			}
		})
	}
}

func TestSelfIsThisProcess(t *testing.T) {
	host, err := ThisHost()
	if err != nil {
		t.Skip(err)
	}
	me, err := host.Self("1.2.3", "centos-libvirt.test")
	if err != nil {
		t.Fatal(err)
	}
	if me.PID != os.Getpid() || me.Plugin != "1.2.3" || me.Build != "centos-libvirt.test" || me.Created.IsZero() {
		t.Errorf("Self = %+v", me)
	}
	if state, why := host.Check(me); state != Alive {
		t.Errorf("this process checks as %v: %s", state, why)
	}
}

// A killed process that its parent has not reaped yet still has a
// /proc entry, and the same start time: it is gone all the same.
func TestZombieIsGone(t *testing.T) {
	host, err := ThisHost()
	if err != nil {
		t.Skip(err)
	}
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	start, err := processStart(child.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	child.Process.Kill()
	defer child.Wait() // reaped only at the end
	owner := Owner{Host: host.Name, Boot: host.Boot, PIDNamespace: host.PIDNamespace, PID: child.Process.Pid, Start: start}
	deadline := time.Now().Add(5 * time.Second)
	for {
		state, why := host.Check(owner)
		if state == Gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a killed, unreaped child checks as %v: %s", state, why)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
