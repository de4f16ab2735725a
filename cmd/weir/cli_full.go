//go:build !weir_serve

package main

import "github.com/alecthomas/kong"

const description = "Weir: the whole machine-learning lifecycle in one binary, wire-compatible with MLflow."

// cli is the command tree. Each command is a struct with a Run method.
type cli struct {
	LogLevel string           `help:"Log level: debug, info, warn, error." default:"info" env:"WEIR_LOG_LEVEL" enum:"debug,info,warn,error"`
	Version  kong.VersionFlag `help:"Print the version and exit."`

	Server      serverCmd      `cmd:"" help:"Run the MLflow-compatible tracking server."`
	Experiments experimentsCmd `cmd:"" help:"List, create and delete experiments."`
	Runs        runsCmd        `cmd:"" help:"List, show and delete runs."`
	Models      modelsCmd      `cmd:"" help:"Registered models: list, versions, aliases, download."`
	Artifacts   artifactsCmd   `cmd:"" help:"List, upload and download run artifacts."`
	Demo        demoCmd        `cmd:"" help:"Run the bank-marketing demo: question, data, models, registry, image, monitoring."`
	Pipeline    pipelineCmd    `cmd:"" help:"Run CRISP-DM pipelines declared in YAML."`
	Monitor     monitorCmd     `cmd:"" help:"Monitor deployed models: drift reports, labels, retraining."`
}
