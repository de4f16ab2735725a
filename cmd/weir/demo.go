//go:build !weir_serve

package main

import (
	"github.com/weir-ml/weir/pipeline"
)

// demoCmd is `weir demo`: the bank-marketing pipeline built into the binary,
// from the business question to monitoring.
type demoCmd struct {
	pipelineFlags
}

// Run runs the built-in bank-marketing pipeline.
func (c *demoCmd) Run(g *globals) error {
	spec, err := pipeline.ParseSpec(pipeline.BankMarketing)
	if err != nil {
		return err
	}
	// WEIR_BANK_DATA names a local copy of the bank data for the demo
	// only: a user's own pipeline must never have its data swapped for it.
	if c.Data == "" {
		c.Data = g.getenv("WEIR_BANK_DATA")
	}
	return c.run(g, spec, "weir demo (examples/bank-marketing/pipeline.yaml)")
}
