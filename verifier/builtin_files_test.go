package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestSensitiveFileModes(t *testing.T) {
	cmd := verifier.SensitiveFilesScript
	debian := map[string]verifier.ExecResult{probeCmd: out(ubuntuRelease)}
	centos := map[string]verifier.ExecResult{probeCmd: out(centosRelease)}
	with := func(base map[string]verifier.ExecResult, stdout string) map[string]verifier.ExecResult {
		m := map[string]verifier.ExecResult{cmd: out(stdout)}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	const centosShipped = "0 root root /etc/shadow\n0 root root /etc/gshadow\n640 root ssh_keys /etc/ssh/ssh_host_ed25519_key\n" +
		"440 root root /etc/sudoers\n440 root root /etc/sudoers.d/90-cloud-init-users\n600 root root /etc/ssh/sshd_config\n" +
		"600 root root /etc/ssh/sshd_config.d/50-redhat.conf\n@@verifier@@\n"
	const debianShipped = "640 root shadow /etc/shadow\n640 root shadow /etc/gshadow\n600 root root /etc/ssh/ssh_host_ed25519_key\n" +
		"440 root root /etc/sudoers\n440 root root /etc/sudoers.d/README\n644 root root /etc/ssh/sshd_config\n@@verifier@@\n"
	runBuiltinCases(t, "sensitive_file_modes", []builtinCase{
		{name: "as CentOS ships them", responses: with(centos, centosShipped), status: verifier.StatusPass},
		{name: "as Debian ships them", responses: with(debian, debianShipped), status: verifier.StatusPass},
		{
			name:      "Debian's shadow mode on CentOS",
			responses: with(centos, "640 root root /etc/shadow\n0 root root /etc/gshadow\n@@verifier@@\n"),
			status:    verifier.StatusFail,
			message: "expected sensitive files no more open than the distribution ships them, got: /etc/shadow is 0640 root:root, at most 0000 root:root; " +
				"fix the modes with chmod/chown in a provisioner",
		},
		{
			name: "a readable host key, a sudoers drop-in owned by a user, world-writable files",
			responses: with(centos, "644 root ssh_keys /etc/ssh/ssh_host_rsa_key\n440 alice root /etc/sudoers.d/alice\n@@verifier@@\n"+
				"/etc/app.conf\n/usr/local/bin/tool\n"),
			status: verifier.StatusFail,
			message: "got: /etc/ssh/ssh_host_rsa_key is 0644 root:ssh_keys, at most 0640 root:root or root:ssh_keys; " +
				"/etc/sudoers.d/alice is 0440 alice:root, at most 0440 root:root; world-writable: /etc/app.conf, /usr/local/bin/tool;",
		},
		{
			name:      "a setuid bit is beyond the mask too",
			responses: with(debian, "4644 root root /etc/ssh/sshd_config\n@@verifier@@\n"),
			status:    verifier.StatusFail,
			message:   "/etc/ssh/sshd_config is 4644 root:root, at most 0644 root:root",
		},
	})
}

func TestNoInstallerLeftovers(t *testing.T) {
	const plain = `for f in /root/anaconda-ks.cfg /root/original-ks.cfg /root/anaconda-post.log /root/ks.cfg /root/ks-post.log /var/log/anaconda; ` +
		`do [ -e "$f" ] && echo "$f"; done; true`
	const served = `for f in /root/anaconda-ks.cfg /root/original-ks.cfg /root/anaconda-post.log /root/ks.cfg /root/ks-post.log /var/log/anaconda; ` +
		`do [ -e "$f" ] && echo "$f"; done; [ -f /ks.cfg ] && echo /ks.cfg; [ -f /root/ks.cfg ] && echo /root/ks.cfg; ` +
		`[ -f /tmp/ks.cfg ] && echo /tmp/ks.cfg; [ -f /var/tmp/ks.cfg ] && echo /var/tmp/ks.cfg; [ -f /etc/ks.cfg ] && echo /etc/ks.cfg; ` +
		`[ -f '/it'\''s.sh' ] && echo '/it'\''s.sh'; [ -f '/root/it'\''s.sh' ] && echo '/root/it'\''s.sh'; ` +
		`[ -f '/tmp/it'\''s.sh' ] && echo '/tmp/it'\''s.sh'; [ -f '/var/tmp/it'\''s.sh' ] && echo '/var/tmp/it'\''s.sh'; ` +
		`[ -f '/etc/it'\''s.sh' ] && echo '/etc/it'\''s.sh'; true`
	servedFacts := verifier.Facts{ServedFiles: []string{"/ks.cfg", "scripts/it's.sh"}}
	runBuiltinCases(t, "no_installer_leftovers", []builtinCase{
		{name: "clean", responses: map[string]verifier.ExecResult{plain: out("")}, status: verifier.StatusPass},
		{
			name:      "Anaconda's copies and logs",
			responses: map[string]verifier.ExecResult{plain: out("/root/anaconda-ks.cfg\n/root/original-ks.cfg\n/var/log/anaconda\n")},
			status:    verifier.StatusFail,
			message: "expected no installer leftovers, got /root/anaconda-ks.cfg, /root/original-ks.cfg, /var/log/anaconda; the kickstart copies hold password hashes: " +
				"enable generalize's logfiles operation, or delete them in %post or a provisioner",
		},
		{
			name:      "a served file copied into the image, found once however often it is looked for",
			facts:     servedFacts,
			responses: map[string]verifier.ExecResult{served: out("/root/ks.cfg\n/root/ks.cfg\n/tmp/it's.sh\n")},
			status:    verifier.StatusFail,
			message:   "got /root/ks.cfg, /tmp/it's.sh;",
		},
	})
}

func TestNetworkNotPinned(t *testing.T) {
	cmd := verifier.NetworkPinsScript
	runBuiltinCases(t, "network_not_pinned", []builtinCase{
		{name: "nothing pinned", responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@\n00:00:00:00:00:00\n52:54:00:aa:bb:cc\n")}, status: verifier.StatusPass},
		{
			name: "pinned to this machine by cloud-init at this boot",
			responses: map[string]verifier.ExecResult{cmd: out("/etc/sysconfig/network-scripts/ifcfg-eth0 52:54:00:AA:BB:CC\n" +
				"@@verifier@@\n00:00:00:00:00:00\n52:54:00:aa:bb:cc\n")},
			status: verifier.StatusPass,
		},
		{
			name: "pinned to the build VM",
			responses: map[string]verifier.ExecResult{cmd: out("/etc/sysconfig/network-scripts/ifcfg-eth0 52:54:00:11:22:33\n" +
				"/etc/udev/rules.d/70-persistent-net.rules 52:54:00:11:22:33\n/etc/NetworkManager/system-connections/eth0.nmconnection 52:54:00:aa:bb:cc\n" +
				"@@verifier@@\n00:00:00:00:00:00\n52:54:00:aa:bb:cc\n")},
			status: verifier.StatusFail,
			message: "expected no network configuration bound to another machine's MAC, got /etc/sysconfig/network-scripts/ifcfg-eth0 (52:54:00:11:22:33), " +
				"/etc/udev/rules.d/70-persistent-net.rules (52:54:00:11:22:33); this machine's: 00:00:00:00:00:00, 52:54:00:aa:bb:cc; " +
				"an instance with another MAC would not bring that interface up: enable generalize's net-hwaddr and udev-persistent-net operations",
		},
	})
}
