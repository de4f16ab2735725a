//go:build !unix

package sqlstore

import "testing"

// reportCPU does nothing where getrusage is missing.
func reportCPU(b *testing.B) {}
