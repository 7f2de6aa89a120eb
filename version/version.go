// Package version holds the plugin's version, set at release time through
// -ldflags (see .goreleaser.yml and GNUmakefile).
package version

import "github.com/hashicorp/packer-plugin-sdk/version"

var (
	// Version is the main version number that is being run at the moment.
	Version = "0.1.0"

	// VersionPrerelease is a pre-release marker for the Version. If this is
	// "" (empty string) then it means that it is a final release. Otherwise,
	// this is a pre-release such as "dev" (in development), "beta", "rc1".
	VersionPrerelease = "dev"

	// VersionMetadata is extra build metadata, appended after a "+".
	VersionMetadata = ""

	// PluginVersion is what Packer reads through `describe`.
	PluginVersion = version.NewPluginVersion(Version, VersionPrerelease, VersionMetadata)
)
