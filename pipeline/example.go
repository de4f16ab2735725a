package pipeline

import _ "embed"

// BankMarketing is the bank-marketing pipeline, the same file as
// examples/bank-marketing/pipeline.yaml (a test keeps them equal), built in
// so that `weir demo` runs without the source tree.
//
//go:embed bank_marketing.yaml
var BankMarketing []byte
