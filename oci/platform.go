package oci

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/weir-ml/weir"
)

// Platform is an image's operating system and architecture.
type Platform = v1.Platform

// DefaultPlatform is the platform images are built for unless told.
var DefaultPlatform = Platform{OS: "linux", Architecture: "amd64"}

// ParsePlatform parses "linux/<arch>[/<variant>]" (e.g. linux/arm64,
// linux/arm/v7). Only Linux images are built: the binary is a static Linux
// executable.
func ParsePlatform(s string) (Platform, error) {
	if s == "" {
		return DefaultPlatform, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[1] == "" {
		return Platform{}, weir.Errorf(weir.ErrInvalidParameterValue, "platform %q: want linux/<arch>[/<variant>], e.g. linux/amd64", s)
	}
	if parts[0] != "linux" {
		return Platform{}, weir.Errorf(weir.ErrInvalidParameterValue, "platform %q: only linux images can be built", s)
	}
	if _, ok := elfMachines[parts[1]]; !ok {
		return Platform{}, weir.Errorf(weir.ErrInvalidParameterValue, "platform %q: unknown architecture %q", s, parts[1])
	}
	p := Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}
