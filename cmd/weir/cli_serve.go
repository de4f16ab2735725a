//go:build weir_serve

package main

import "github.com/alecthomas/kong"

// The serving build, go build -tags weir_serve, is the weir command cut
// down to what a model image runs: `weir models serve` and its health check
// `weir models ping`, with the same flags and answers as the full binary.
// Leaving out the tracking server, its SQLite and PostgreSQL stores, S3,
// the web UI and the image builder keeps the binary, and so the image,
// small: Go links a package (and its init) whenever a file imports it, so
// every file that does carries //go:build !weir_serve.

const description = "Weir serving build: scores one model (weir models serve) and checks a scoring server (weir models ping). The full weir binary has the tracking server, training and monitoring."

// cli is the serving build's command tree.
type cli struct {
	LogLevel string           `help:"Log level: debug, info, warn, error." default:"info" env:"WEIR_LOG_LEVEL" enum:"debug,info,warn,error"`
	Version  kong.VersionFlag `help:"Print the version and exit."`

	Models modelsCmd `cmd:"" help:"Serve a model and check a scoring server's health."`
}

type modelsCmd struct {
	Serve modelsServeCmd `cmd:"" help:"Serve a model: MLflow /invocations and the Open Inference Protocol."`
	Ping  modelsPingCmd  `cmd:"" help:"Exit 0 if a scoring server's /ping answers 200 (the images' health check)."`
}
