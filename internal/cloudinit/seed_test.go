package cloudinit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0000000000000000000000000000000000000000000 packer-temp"

func decodeOurs(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	body, ok := bytes.CutPrefix(doc, []byte("#cloud-config\n"))
	if !ok {
		t.Fatalf("cloud-config lacks its header:\n%s", doc)
	}
	var cfg map[string]any
	if err := json.Unmarshal(body, &cfg); err != nil {
		t.Fatalf("cloud-config is not JSON/YAML: %v\n%s", err, doc)
	}
	return cfg
}

func TestUserDataForRoot(t *testing.T) {
	doc, err := Seed{User: "root", AuthorizedKeys: []string{key}}.UserData()
	if err != nil {
		t.Fatal(err)
	}
	cfg := decodeOurs(t, doc)
	if cfg["disable_root"] != false {
		t.Errorf("disable_root = %v, want false so root can log in with the key", cfg["disable_root"])
	}
	if !reflect.DeepEqual(cfg["ssh_authorized_keys"], []any{key}) {
		t.Errorf("ssh_authorized_keys = %v", cfg["ssh_authorized_keys"])
	}
	if _, ok := cfg["users"]; ok {
		t.Error("root seed replaces the users list")
	}
}

func TestUserDataForUser(t *testing.T) {
	doc, err := Seed{User: "cloud-user", AuthorizedKeys: []string{key}}.UserData()
	if err != nil {
		t.Fatal(err)
	}
	cfg := decodeOurs(t, doc)
	users, _ := cfg["users"].([]any)
	if len(users) != 2 || users[0] != "default" {
		t.Fatalf("users = %v, want [default, {...}] so the image's default user survives", cfg["users"])
	}
	u := users[1].(map[string]any)
	if u["name"] != "cloud-user" || !reflect.DeepEqual(u["ssh_authorized_keys"], []any{key}) {
		t.Errorf("user entry = %v", u)
	}
	if u["sudo"] != "ALL=(ALL) NOPASSWD:ALL" {
		t.Errorf("sudo = %v; provisioners need passwordless sudo", u["sudo"])
	}
}

func TestUserDataMergesTemplateDocument(t *testing.T) {
	theirs := []byte("#cloud-config\npackages: [nginx]\n")
	doc, err := Seed{User: "cloud-user", AuthorizedKeys: []string{key}, TemplateUserData: theirs}.UserData()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("user-data is not a MIME message: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/mixed" {
		t.Fatalf("Content-Type = %q (%v), want multipart/mixed", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	type part struct{ mime, merge, body string }
	var parts []part
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts = append(parts, part{mt, p.Header.Get("Merge-Type"), string(body)})
	}
	if len(parts) != 2 {
		t.Fatalf("got %d parts, want 2", len(parts))
	}
	if parts[0].mime != "text/cloud-config" || parts[0].body != string(theirs) {
		t.Errorf("first part = %+v, want the template's document unchanged", parts[0])
	}
	if parts[1].merge != ourMergeType || !strings.Contains(parts[1].body, "cloud-user") {
		t.Errorf("second part = %+v, want ours with Merge-Type %q", parts[1], ourMergeType)
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"#cloud-config\n{}", "text/cloud-config", false},
		{"#!/bin/sh\necho hi", "text/x-shellscript", false},
		{"#include\nhttp://x", "text/x-include-url", false},
		{"#cloud-boothook\n", "text/cloud-boothook", false},
		{"## template: jinja\n#cloud-config", "text/jinja2", false},
		{"packages: [nginx]", "", true},
		{"", "", true},
		{"Content-Type: multipart/mixed", "", true},
	}
	for _, tt := range tests {
		got, err := ContentType([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ContentType(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestMetaData(t *testing.T) {
	got := string(Seed{InstanceID: "i-123", Hostname: "stream9"}.MetaData())
	want := "instance-id: i-123\nlocal-hostname: stream9\n"
	if got != want {
		t.Errorf("MetaData() = %q, want %q", got, want)
	}
}

func TestWriteISO(t *testing.T) {
	if _, err := exec.LookPath("xorriso"); err != nil {
		t.Skip("xorriso not installed")
	}
	dir := t.TempDir()
	iso := filepath.Join(dir, "seed.iso")
	s := Seed{InstanceID: "i-abc", Hostname: "h", User: "root", AuthorizedKeys: []string{key}}
	if err := s.WriteISO(context.Background(), iso); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(iso)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("seed ISO mode = %v, want 0600", fi.Mode().Perm())
	}
	out, err := exec.Command("xorriso", "-indev", iso, "-pvd_info").CombinedOutput()
	if err != nil {
		t.Fatalf("read ISO: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Volume Id    : cidata") {
		t.Errorf("volume id is not cidata:\n%s", out)
	}
	extract := filepath.Join(dir, "x")
	if out, err := exec.Command("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", extract).CombinedOutput(); err != nil {
		t.Fatalf("extract ISO: %v\n%s", err, out)
	}
	wantUser, _ := s.UserData()
	for name, want := range map[string][]byte{"user-data": wantUser, "meta-data": s.MetaData()} {
		got, err := os.ReadFile(filepath.Join(extract, name))
		if err != nil {
			t.Fatalf("seed lacks %s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s in ISO differs:\n%s\nwant\n%s", name, got, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "iso-") {
			t.Errorf("staging dir %s left behind", e.Name())
		}
	}
}

func TestMentionsUser(t *testing.T) {
	for _, tt := range []struct {
		userData string
		user     string
		want     bool
	}{
		{"#cloud-config\nusers:\n  - default\n  - name: deploy\n    sudo: ALL=(ALL) ALL\n", "deploy", true},
		{"#cloud-config\nusers: [default, deploy]\n", "deploy", true},
		{"#!/bin/sh\nuseradd -m deploy\n", "deploy", true},
		{"#cloud-config\nusers:\n  - name: deployer\n", "deploy", false},
		{"#cloud-config\nwrite_files:\n  - path: /etc/deploy.d/x\n", "deploy.d", true},
		{"#cloud-config\npackages: [nginx]\n", "cloud-user", false},
		{"", "cloud-user", false},
	} {
		if got := MentionsUser([]byte(tt.userData), tt.user); got != tt.want {
			t.Errorf("MentionsUser(%q, %q) = %v, want %v", tt.userData, tt.user, got, tt.want)
		}
	}
}
