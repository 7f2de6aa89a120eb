package verifier

// The scripts the built-ins send, for the tests of package verifier_test
// to answer.
var (
	AuthorizedKeysScript = authorizedKeysScript
	SensitiveFilesScript = sensitiveFilesScript
	NetworkPinsScript    = networkPinsScript
	SudoAccessScript     = sudoAccessScript
	IdentityCommand      = identityCommand
	BakedSecretsCommand  = bakedSecretsCommand
)
