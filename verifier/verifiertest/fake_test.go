package verifiertest_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/verifiertest"
)

func TestExecutor(t *testing.T) {
	ctx := context.Background()
	fake := verifiertest.New().
		On("echo hi", "hi\n").
		OnResult("false", verifier.ExecResult{ExitStatus: 1}).
		OnError("boom", errors.New("connection lost"))
	fake.Handler = func(_ context.Context, cmd string) (verifier.ExecResult, error) {
		if strings.HasPrefix(cmd, "sysctl ") {
			return verifier.ExecResult{Stdout: "1\n"}, nil
		}
		return verifier.ExecResult{}, errors.New("handler: no")
	}

	tests := []struct {
		cmd     string
		want    verifier.ExecResult
		wantErr string
	}{
		{cmd: "echo hi", want: verifier.ExecResult{Stdout: "hi\n"}},
		{cmd: "false", want: verifier.ExecResult{ExitStatus: 1}},
		{cmd: "boom", wantErr: "connection lost"},
		{cmd: "sysctl -n vm.swappiness", want: verifier.ExecResult{Stdout: "1\n"}},
		{cmd: "reboot", wantErr: "handler: no"},
	}
	for _, tt := range tests {
		got, err := fake.Run(ctx, tt.cmd)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want %q", tt.cmd, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("%s: got %+v, %v; want %+v", tt.cmd, got, err, tt.want)
		}
	}
	if want := []string{"echo hi", "false", "boom", "sysctl -n vm.swappiness", "reboot"}; !reflect.DeepEqual(fake.Calls(), want) {
		t.Errorf("Calls() = %q", fake.Calls())
	}
	if n := fake.Count("echo hi"); n != 1 {
		t.Errorf("Count = %d", n)
	}
}

func TestExecutorRejectsUnexpectedCommands(t *testing.T) {
	_, err := verifiertest.New().Run(context.Background(), "rm -rf /")
	if err == nil || !strings.Contains(err.Error(), `unexpected command "rm -rf /"`) {
		t.Errorf("got %v", err)
	}
}

func TestExecutorHonoursDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := verifiertest.New().On("true", "").Run(ctx, "true")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestExecutorZeroValueIsUsable(t *testing.T) {
	var fake verifiertest.Executor
	fake.On("true", "ok")
	if res, err := fake.Run(context.Background(), "true"); err != nil || res.Stdout != "ok" {
		t.Errorf("got %+v, %v", res, err)
	}
}
