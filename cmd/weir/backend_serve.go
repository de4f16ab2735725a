//go:build weir_serve

package main

import "context"

// openStore refuses store URIs in the serving build, which links no
// database driver: it serves local model directories, and runs:/ and
// models:/ URIs only through an http(s):// tracking server.
func (f *trackingFlags) openStore(context.Context) (*backend, error) {
	return nil, usagef("--tracking-uri %q: this serving build of weir reads local model directories and http(s):// tracking servers only; use the full weir binary for a store URI", f.TrackingURI)
}
