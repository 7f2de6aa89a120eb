package kickstart

import (
	"bytes"
	"fmt"
	"os"
	"text/template"
)

// TemplateData is what a user's kickstart template (`kickstart_file`) can
// use, e.g. `sshkey --username={{ .SSHUsername }} "{{ .SSHPublicKey }}"`.
type TemplateData struct {
	// HTTPIP is the address of the builder's HTTP server as the guest sees
	// it, e.g. for `url --url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/repo`.
	HTTPIP string
	// HTTPPort is the port of the builder's HTTP server.
	HTTPPort int
	// SSHPublicKey is the build's public key, one authorized_keys line.
	// Install it for SSHUsername with `sshkey`; the build logs in with it.
	SSHPublicKey string
	// SSHUsername is the user the build logs in as (`ssh_username`).
	SSHUsername string
	// RootPasswordHash is the SHA-512 crypt hash of the kickstart block's
	// root_password (or its root_password_hash), for
	// `rootpw --iscrypted {{ .RootPasswordHash }}`; empty when neither is
	// set.
	RootPasswordHash string
	// Hostname is the guest's host name.
	Hostname string
}

// RenderTemplate executes src, a kickstart written as a Go text/template,
// with data. A field that TemplateData does not have is an error, as is a
// missing map key. text/template cannot read files or run commands, and no
// functions are added to it. Lint the result before serving it.
func RenderTemplate(name string, src []byte, data TemplateData) ([]byte, error) {
	return execute(name, src, data)
}

// execute is RenderTemplate for any data; missingkey=error matters only for
// maps, which TemplateData has none of today.
func execute(name string, src []byte, data any) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parse kickstart template: %w", err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, data); err != nil {
		return nil, fmt.Errorf("render kickstart template: %w", err)
	}
	return out.Bytes(), nil
}

// RenderTemplateFile reads the template at path and renders it with
// RenderTemplate.
func RenderTemplateFile(path string, data TemplateData) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read kickstart_file: %w", err)
	}
	return RenderTemplate(path, src, data)
}
