package verifier

import "context"

// ExecResult is what one command run in the guest produced.
type ExecResult struct {
	Stdout     string
	Stderr     string
	ExitStatus int
}

// Executor runs shell commands in the guest under test.
//
// Run returns an error only when the command could not be run or its exit
// status could not be learned (transport failure, cancelled context); a
// command that ran and exited non-zero is reported through ExitStatus. The
// command is a POSIX shell command line; implementations pass it to sh.
// Checks parse the output of standard tools, so implementations should run
// commands in the C locale (LC_ALL=C) and with the sbin directories on
// PATH, as sshexec does.
type Executor interface {
	Run(ctx context.Context, command string) (ExecResult, error)
}
