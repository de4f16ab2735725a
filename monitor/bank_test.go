package monitor

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

// bankRows2008 is the number of 2008 rows at the top of the bank-marketing
// data (its README: rows in time order, 2008 = rows 1–27,729).
const bankRows2008 = 27729

// loadBank reads the bank-marketing data from WEIR_BANK_DATA or the shared
// folder beside the repository, split into the 2008 reference and the
// 2009–2010 current rows.
func loadBank(tb testing.TB) (ref, cur *frame.Frame) {
	tb.Helper()
	path := os.Getenv("WEIR_BANK_DATA")
	if path == "" {
		path = filepath.Join("..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", path, err)
	}
	f, err := frame.ReadCSVFile(path, frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ref, err = f.Slice(0, bankRows2008)
	if err != nil {
		tb.Fatal(err)
	}
	cur, err = f.Slice(bankRows2008, f.NumRows())
	if err != nil {
		tb.Fatal(err)
	}
	return ref, cur
}

// TestBankDrift: the 2009–2010 campaigns reached people by other channels
// (contact), after earlier campaigns (poutcome), and converted far more
// often; a drift report against 2008 must say so.
func TestBankDrift(t *testing.T) {
	ref, cur := loadBank(t)
	opts := NewDriftOptions()
	opts.Target = "y"
	d, err := Drift(t.Context(), ref, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Columns {
		t.Logf("%-10s %-13s score %.4f drifted %v", c.Column, c.Method, float64(c.Score), c.Drifted)
	}
	for _, name := range []string{"contact", "poutcome"} {
		c := d.Column(name)
		if c == nil || !c.Drifted {
			t.Errorf("%s: %+v, want drifted", name, c)
		}
	}
	if !d.Target.Drifted {
		t.Errorf("target: %+v, want drifted", d.Target)
	}
	rp, err := NewProfile(ref, ProfileOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := NewProfile(cur, ProfileOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if r, c := rp.TargetRate(), cp.TargetRate(); !(c > 2*r) {
		t.Errorf("target rate 2008 %.4f, 2009–2010 %.4f: want the later at least twice the earlier", r, c)
	}
	alerts, err := Evaluate([]Rule{{Name: "target", Kind: RuleTarget}, {Name: "contact", Kind: RuleFeature, Column: "contact"}}, d, nil)
	if err != nil || len(alerts) != 2 {
		t.Errorf("alerts %v, %v: want target and contact", alerts, err)
	}
	r := &Report{Title: "Bank marketing: 2009–2010 against 2008", Reference: "2008 (27,729 rows)", Current: "2009–2010",
		Drift: d, Alerts: alerts, ReferenceTargetRate: Number(rp.TargetRate()), CurrentTargetRate: Number(cp.TargetRate())}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	// WEIR_MONITOR_REPORT keeps the page for a look in a browser.
	if out := os.Getenv("WEIR_MONITOR_REPORT"); out != "" {
		if err := os.WriteFile(out, page.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Contains(page.Bytes(), []byte("poutcome")) {
		t.Error("bank report does not mention poutcome")
	}
}
