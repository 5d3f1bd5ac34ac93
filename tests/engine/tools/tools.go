//go:build tools

// Blank imports keep the engine's main packages in go.mod/go.sum (the pattern of pulumi/pulumi-docker-build's tools.go).
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
