// Browser tests of Weir's web UI: Debian's Chromium driven by
// playwright-core against a seeded server (see run.sh). Every test fails
// on a console error, a failed request or an HTTP error response, and
// saves a screenshot of each page it visits under WEIR_BROWSER_OUT.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const base = process.env.WEIR_URL;
const ids = JSON.parse(fs.readFileSync(process.env.WEIR_IDS, "utf8"));
const out = process.env.WEIR_BROWSER_OUT || path.join(import.meta.dirname, "out");
fs.mkdirSync(out, { recursive: true });
assert.ok(base, "WEIR_URL must name the seeded server");

let userDir, browser;
before(async () => {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), "weir-chromium-"));
  browser = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1366, height: 860 },
  });
});
after(async () => {
  await browser?.close();
  fs.rmSync(userDir, { recursive: true, force: true });
});

// open returns a fresh page that records every problem the test must fail on.
async function open(t) {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // A fetch still in flight when the test navigates on is cancelled by the
  // browser (net::ERR_ABORTED); that is the navigation, not a fault of the page.
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText;
    if (why !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} ${why}`);
  });
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on("dialog", (d) => d.accept());
  t.after(async () => {
    await page.close();
    assert.deepEqual(problems, [], "the page had console errors or failed requests");
  });
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(out, name + ".png"), fullPage: true });
}

// go navigates and checks that the page answered 200.
async function go(page, url) {
  const res = await page.goto(base + url);
  assert.equal(res.status(), 200, `GET ${url}`);
  return res;
}

// cellValues reads a runs-table column as numbers (blank cells dropped).
async function cellValues(page, header) {
  const idx = await page.locator("table.runs thead th").evaluateAll(
    (ths, h) => ths.findIndex((th) => (th.querySelector("a")?.textContent || "").replace(/\s+/g, " ").trim().endsWith(" " + h)), header);
  assert.ok(idx >= 0, `no column ${header}`);
  const texts = await page.locator(`table.runs tbody tr td:nth-child(${idx + 1})`).allTextContents();
  return texts.map((s) => s.trim()).filter((s) => s !== "").map(Number);
}

test("experiments: list, search, create, rename, delete, restore", async (t) => {
  const page = await open(t);
  await go(page, "/");
  await assert.doesNotReject(page.getByRole("link", { name: "bank-marketing" }).waitFor());
  await shot(page, "01-experiments");
  await page.getByLabel("Search experiments").fill("churn");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForURL(/q=churn/);
  assert.equal(await page.getByRole("link", { name: "bank-marketing" }).count(), 0);
  assert.equal(await page.getByRole("link", { name: "churn-baseline" }).count(), 1);

  await go(page, "/");
  await page.getByLabel("New experiment").fill("browser-made");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForURL(/\/experiments\/\d+$/);
  assert.equal(await page.locator("h1").textContent(), "browser-made");
  await page.getByLabel("Rename experiment").fill("browser-renamed");
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await page.locator("h1", { hasText: "browser-renamed" }).waitFor();
  await page.getByRole("button", { name: "Delete experiment" }).click();
  await page.waitForURL(/view=deleted/);
  const row = page.locator("tr", { hasText: "browser-renamed" });
  await row.getByRole("button", { name: "Restore" }).click();
  await page.locator("h1", { hasText: "browser-renamed" }).waitFor();
});

test("runs: filter, invalid filter, sort, page, nested runs", async (t) => {
  const page = await open(t);
  const exp = `/experiments/${ids.experiment}`;
  await go(page, exp + "?n=25");
  await shot(page, "02-runs");
  assert.equal(await page.locator("table.runs tbody tr").count(), 25);

  await page.getByLabel("Filter runs").fill("metrics.auc > 0.85 AND params.model = 'gbdt'");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/filter=/);
  const aucs = await cellValues(page, "auc");
  assert.ok(aucs.length > 0, "the valid filter matched no run");
  assert.ok(aucs.every((v) => v > 0.85), `auc values not all > 0.85: ${aucs}`);
  await shot(page, "03-runs-filtered");

  await page.getByLabel("Filter runs").fill("metrics.auc >> 0.8");
  await page.getByRole("button", { name: "Apply" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /comparator/i);
  assert.equal(await page.getByLabel("Filter runs").getAttribute("aria-invalid"), "true");
  await shot(page, "04-runs-invalid-filter");

  await go(page, exp + "?n=25");
  await page.getByRole("link", { name: "metric auc", exact: true }).click();
  await page.waitForURL(/order=metrics/);
  const sorted = await cellValues(page, "auc");
  assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a), "auc is not in descending order");
  assert.equal(await page.locator("th[aria-sort=descending]").count(), 1);

  const first = await page.locator("table.runs tbody tr td.name a").first().textContent();
  await page.getByRole("link", { name: "Next" }).click();
  await page.waitForURL(/page=/);
  const second = await page.locator("table.runs tbody tr td.name a").first().textContent();
  assert.notEqual(second, first, "the next page shows the same first run");
  await page.getByRole("link", { name: "Previous" }).click();
  await page.waitForURL((u) => !u.searchParams.get("page"));
  assert.equal(await page.locator("table.runs tbody tr td.name a").first().textContent(), first);

  await go(page, exp + "?n=25&order=" + encodeURIComponent("attributes.start_time DESC"));
  const children = page.locator(`tr[data-parent="${ids.parent}"]`);
  assert.equal(await children.count(), ids.children.length);
  const fold = page.getByRole("button", { name: /Fold the 4 child runs/ });
  await fold.click();
  assert.equal(await fold.getAttribute("aria-expanded"), "false");
  assert.equal(await children.first().isVisible(), false);
  await fold.press("Enter"); // keyboard unfolds again
  assert.equal(await children.first().isVisible(), true);
});

test("compare three runs", async (t) => {
  const page = await open(t);
  await go(page, `/experiments/${ids.experiment}?n=100`);
  const compare = page.getByRole("button", { name: "Compare selected runs" });
  assert.equal(await compare.isDisabled(), true);
  for (const id of ids.runs.slice(0, 3)) await page.locator(`input[name=run][value="${id}"]`).check();
  await compare.click();
  await page.waitForURL(/\/compare\?/);
  await page.locator("h1", { hasText: "Compare 3 runs" }).waitFor();
  // A run's single value is a dot on a zero-length line: wait until drawn, not visible.
  await page.locator("[data-chart] svg path.line").first().waitFor({ state: "attached" });
  await page.locator("#parallel svg path.pc-line").first().waitFor();
  await page.locator("#scatter svg circle").first().waitFor();
  assert.equal(await page.locator("[data-chart] svg path.line").count(), 3, "one line per run");
  assert.ok(await page.locator("tr.differs").count() > 0, "no differing rows highlighted");
  await page.getByLabel("Show only rows that differ").check();
  assert.equal(await page.locator("tr.same").first().isVisible().catch(() => false), false);
  await shot(page, "05-compare");
});

test("run page: overview and a downsampled, zoomable chart", async (t) => {
  const page = await open(t);
  await go(page, `/runs/${ids.long}`);
  await page.locator("[data-chart] svg path.line").waitFor();
  const status = page.locator(".chart-status");
  await page.waitForFunction(() => /of 5,000 points/.test(document.querySelector(".chart-status").textContent));
  assert.match(await status.textContent(), /1,000 of 5,000 points drawn/);
  for (const fact of ["ana", "train.py", "3f2a9c1d", "bank-2008", "FINISHED"]) {
    assert.ok((await page.locator("main").textContent()).includes(fact), `overview lacks ${fact}`);
  }
  await shot(page, "06-run");

  await page.getByLabel("Log scale").check();
  await page.getByLabel("X axis").selectOption("rel");
  await page.locator("[data-chart] svg text", { hasText: "time since run start" }).waitFor();
  await page.locator("[data-chart] svg").scrollIntoViewIfNeeded();
  const box = await page.locator("[data-chart] svg").boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => /zoomed to/.test(document.querySelector(".chart-status").textContent));
  await page.getByRole("button", { name: "Reset zoom" }).click();
  await page.waitForFunction(() => !/zoomed to/.test(document.querySelector(".chart-status").textContent));
  await shot(page, "07-run-chart-log-rel");
  // auc was logged once: a row of the value table, not a line to choose.
  assert.equal(await page.getByRole("checkbox", { name: "auc" }).count(), 0);
  assert.match(await page.locator("table.values").textContent(), /auc\s*0\.91/);
});

test("artifact previews", async (t) => {
  const page = await open(t);
  const at = (p) => `/runs/${ids.long}/artifacts?path=${encodeURIComponent(p)}`;
  await go(page, at("sample.csv"));
  assert.equal(await page.locator(".preview table tbody tr").count(), 40);
  await shot(page, "08-artifact-csv");
  await go(page, at("notes.txt"));
  assert.match(await page.locator("pre.file").textContent(), /<script>alert\(1\)<\/script> must show as text/);
  await go(page, at("metrics.json"));
  assert.match(await page.locator("pre.file").textContent(), /"folds": \[/);
  await go(page, at("model/MLmodel"));
  await page.getByRole("heading", { name: "Signature inputs" }).waitFor();
  assert.equal(await page.locator(".preview table").first().locator("tbody tr").count(), 3);
  await shot(page, "09-artifact-mlmodel");
  await go(page, at("plots/roc.png"));
  const img = page.locator(".preview img");
  await img.waitFor();
  await page.waitForFunction(() => document.querySelector(".preview img").complete);
  assert.ok(await img.evaluate((i) => i.naturalWidth) > 0, "the image did not load");
  await go(page, at("report.html"));
  const frame = page.frameLocator("iframe.report");
  await frame.locator("h1", { hasText: "Drift report" }).waitFor();
  assert.equal(await page.locator("iframe.report").getAttribute("sandbox"), "");
  await shot(page, "10-artifact-html");
  const raw = await page.request.get(`${base}/runs/${ids.long}/download?path=report.html`);
  assert.match(raw.headers()["content-disposition"], /^attachment/);
});

test("models: list, model page, set an alias", async (t) => {
  const page = await open(t);
  await go(page, "/models");
  await page.getByRole("link", { name: ids.model }).click();
  await page.locator("h1", { hasText: ids.model }).waitFor();
  // seed.py points @challenger at the newest version: the page still serves
  // and describes the champion.
  assert.match(await page.locator("#v2").textContent(), /@challenger/);
  assert.match(await page.locator("#cmd-serve").inputValue(), /^weir models serve -m models:\/bank-classifier@champion/);
  assert.match(await page.locator(".card").textContent(), /Predicts term-deposit subscription/);
  assert.match(await page.locator("#card-h + p").textContent(), /version 1 \(@champion\)/);
  await page.getByRole("textbox", { name: "Alias" }).fill("staging");
  await page.getByRole("combobox", { name: "Version" }).selectOption("2");
  await page.getByRole("button", { name: "Set alias" }).click();
  await page.locator("ul.plain li", { hasText: "@staging" }).waitFor();
  assert.match(await page.locator("#v2").textContent(), /@staging/);
  await shot(page, "11-model");
  await go(page, "/models");
  assert.match(await page.locator("table").textContent(), /@staging → v2/);
  await shot(page, "12-models");
});

test("monitoring trends link to the reports", async (t) => {
  const page = await open(t);
  await go(page, `/model/monitoring?name=${ids.model}`);
  for (const trend of ["drift_share", "window.", "drift."]) {
    await page.locator(`[data-trend="${trend}"] svg path.line`).first().waitFor();
  }
  assert.equal(await page.locator("table tbody tr").count(), 6);
  await shot(page, "13-monitoring");
  await page.getByRole("link", { name: "drift_report.html" }).first().click();
  await page.frameLocator("iframe.report").locator("h1", { hasText: "Window 1" }).waitFor();
});

test("keyboard and labels: skip link, every control named", async (t) => {
  const page = await open(t);
  for (const url of ["/", `/experiments/${ids.experiment}`, `/runs/${ids.long}`, `/model?name=${ids.model}`,
    `/experiments/${ids.pipeline_experiment}`, `/runs/${ids.pipeline_run}`, `/model/version?name=${ids.model}&version=1`,
    `/experiments/${ids.trace_experiment}/traces`, `/traces/${ids.traces[0]}`]) {
    await go(page, url);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
    const unnamed = await page.evaluate(() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
      .filter((e) => !(e.labels?.length || e.getAttribute("aria-label") || e.textContent.trim() || e.closest("label")))
      .map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, [], `controls without a name on ${url}`);
  }
});

test("dark theme follows the system setting", async (t) => {
  const page = await open(t);
  await page.emulateMedia({ colorScheme: "dark" });
  await go(page, `/runs/${ids.long}`);
  await page.locator("[data-chart] svg path.line").waitFor();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(15, 20, 25)");
  await shot(page, "14-run-dark");
  await go(page, `/experiments/${ids.experiment}`);
  await shot(page, "15-runs-dark");
  await go(page, "/compare?" + ids.trials.map((r) => "run=" + r).join("&"));
  await page.locator("[data-chart] svg.bars rect.bar").first().waitFor();
  await page.locator("#parallel svg path.pc-line").first().waitFor();
  await shot(page, "23-compare-dark");
});

// headers reads the runs table's column names (kind and key), in order.
async function headers(page) {
  return (await page.locator("table.runs thead th").evaluateAll((ths) =>
    ths.map((th) => (th.querySelector("a")?.textContent || th.textContent).replace(/\s+/g, " ").trim())));
}

test("pipeline runs: key metrics first, pinned columns, the name in view, the view remembered", async (t) => {
  const page = await open(t);
  await page.setViewportSize({ width: 800, height: 800 });
  const exp = `/experiments/${ids.pipeline_experiment}`;
  await go(page, exp);
  const cols = await headers(page);
  // The selection metric first, not baseline.* (the first keys by name).
  assert.equal(cols[5], "metric holdout_roc_auc", `columns: ${cols.join(", ")}`);
  assert.ok(cols.includes("metric valid_roc_auc"), `columns: ${cols.join(", ")}`);
  assert.ok(!cols.some((c) => c.startsWith("metric baseline.")), `columns: ${cols.join(", ")}`);
  await shot(page, "16-pipeline-runs");

  await page.getByRole("link", { name: "Pin param learner" }).click();
  await page.waitForURL(/pin=p%3Alearner/);
  assert.equal((await headers(page))[2], "param learner", "the pinned column is not first");
  const table = page.locator("div.scroll").first();
  const name = page.locator("table.runs tbody td.name").first();
  const pinned = page.locator("table.runs tbody td.pinned").first();
  const before = await name.boundingBox();
  await table.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
  assert.ok(await table.evaluate((el) => el.scrollLeft > 0), "the table does not scroll sideways");
  const after = await name.boundingBox(), pin = await pinned.boundingBox();
  assert.equal(Math.round(after.x), Math.round(before.x), "the run name scrolled away");
  assert.ok(pin.x >= after.x + after.width - 1, "the pinned column is not beside the name");
  await shot(page, "17-pipeline-runs-pinned-scrolled");

  // The choice is in the URL, and links back to the experiment keep it.
  await page.locator("table.runs tbody td.name a").first().click();
  await page.waitForURL(/\/runs\//);
  await page.locator("nav.crumbs a", { hasText: "bank-pipeline" }).click();
  await page.waitForURL(/pin=p%3Alearner/);
  assert.equal((await headers(page))[2], "param learner");
  await page.getByRole("link", { name: "Unpin param learner" }).click();
  await page.waitForURL((u) => !u.searchParams.has("pin"));
});

test("pipeline run: values logged once are a table, trials compare as bars", async (t) => {
  const page = await open(t);
  await go(page, `/runs/${ids.pipeline_run}`);
  assert.equal(await page.locator("[data-chart]").count(), 0, "a chart of single values");
  const values = page.locator("table.values");
  assert.match(await values.textContent(), /holdout_roc_auc\s*0\.9353/);
  assert.ok(await values.locator("meter").count() >= 5, "no bars beside the values");
  // A long tag value wraps behind a summary and opens on demand.
  const long = page.locator("details.long", { hasText: "feature_00" });
  assert.equal(await long.locator("pre").isVisible(), false);
  await long.locator("summary").click();
  assert.match(await long.locator("pre").textContent(), /feature_39/);
  const box = await long.boundingBox(), section = await page.locator("#tags-h").locator("..").boundingBox();
  assert.ok(box.x + box.width <= section.x + section.width + 1, "the long value overflows its column");
  await shot(page, "18-pipeline-run");

  const runs = ids.trials.map((r) => "run=" + r).join("&");
  await go(page, "/compare?" + runs);
  await page.locator("[data-chart] svg.bars rect.bar").first().waitFor();
  assert.equal(await page.locator("[data-chart] svg.bars rect.bar").count(), ids.trials.length, "one bar per run");
  assert.equal(await page.locator("[data-chart] svg path.line").count(), 0);
  // Parallel coordinates: one whole line per run, though learners share few params.
  const lines = page.locator("#parallel svg path.pc-line");
  assert.equal(await lines.count(), ids.trials.length);
  for (const d of await lines.evaluateAll((ps) => ps.map((p) => p.getAttribute("d")))) {
    assert.ok(!/\dM/.test(d.slice(1)), `a broken line: ${d}`);
  }
  const names = await page.locator("#parallel svg text.name").evaluateAll((ts) => ts.map((t) => t.getBBox()).map((b) => [b.x, b.y, b.width]));
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) {
    const [a, b] = [names[i], names[j]];
    const apart = a[1] !== b[1] || a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0];
    assert.ok(apart, `axis names ${i} and ${j} overlap`);
  }
  // Scatter of valid_roc_auc (differing in the fourth decimal): distinct ticks.
  await page.locator("#scatter select").nth(1).selectOption({ label: "metric valid_roc_auc" });
  const ticks = await page.locator("#scatter svg g.axis text[text-anchor=end]").allTextContents();
  const y = ticks.filter((s) => /^\d/.test(s));
  assert.ok(y.length >= 3, `too few y ticks: ${y}`);
  assert.equal(new Set(y).size, y.length, `repeated y ticks: ${y}`);
  await page.locator("#parallel").scrollIntoViewIfNeeded();
  await shot(page, "19-compare-trials");
});

test("a Python-logged run: values and history, its logged model, the version page", async (t) => {
  const page = await open(t);
  await go(page, `/runs/${ids.python_run}`);
  // loss has a history (5 steps) and accuracy one value, which log_model
  // logged again with the model's model_id.
  await page.locator("[data-chart] svg path.line").waitFor();
  await page.waitForFunction(() => /5 of 5 points drawn/.test(document.querySelector(".chart-status").textContent));
  assert.match(await page.locator("table.values").textContent(), /accuracy/);
  const series = await page.request.get(`${base}/ui-data/series?run=${ids.python_run}&key=accuracy`);
  assert.equal((await series.json()).series[0].points, 1, "the model_id copy of accuracy is drawn as a second point");
  const models = page.locator("section", { has: page.locator("#models-h") });
  assert.match(await models.textContent(), new RegExp(ids.python_model_id));
  await shot(page, "20-python-run");
  await models.getByRole("link", { name: `${ids.python_model} v${ids.python_version}` }).click();
  await page.waitForURL(/\/model\/version\?/);
  assert.equal(await page.locator("h1").textContent(), `${ids.python_model} version ${ids.python_version}`);
  assert.equal(await page.locator("#cmd-serve").inputValue(),
    `weir models serve -m models:/${ids.python_model}/${ids.python_version} --port 8080`);
  const main = await page.locator("main").textContent();
  for (const fact of ["@champion", "sklearn-logreg", ids.python_model_id, "sepal length (cm)", "python-logged"]) {
    assert.ok(main.includes(fact), `the version page lacks ${fact}`);
  }
  await shot(page, "21-version");
});

test("MLflow's client URLs open the matching pages", async (t) => {
  const page = await open(t);
  const cases = [
    [`/#/experiments/${ids.experiment}`, new RegExp(`/experiments/${ids.experiment}$`)],
    [`/#/experiments/${ids.experiment}/runs/${ids.long}`, new RegExp(`/runs/${ids.long}$`)],
    [`/#/experiments/${ids.trace_experiment}/traces`, new RegExp(`/experiments/${ids.trace_experiment}/traces$`)],
    [`/#/experiments/${ids.experiment}/runs/${ids.long}/artifacts/model/MLmodel`, /\/artifacts\?path=model%2FMLmodel$/],
    [`/#/models/${ids.model}`, new RegExp(`/model\\?name=${ids.model}$`)],
    [`/#/models/${ids.model}/versions/2`, new RegExp(`/model/version\\?name=${ids.model}&version=2$`)],
    [`/#/compare-runs?runs=${encodeURIComponent(JSON.stringify(ids.runs.slice(0, 2)))}&experiments=["${ids.experiment}"]`, /\/compare\?run=/],
  ];
  for (const [from, to] of cases) {
    await page.goto(base + from);
    await page.waitForURL(to);
    assert.notEqual(await page.locator("h1").textContent(), "Experiments", `${from} stayed on the list`);
  }
  await shot(page, "22-mlflow-url-version");
});

// rowNames reads the trace tree's span names, visible rows only.
async function rowNames(page) {
  return page.locator("#sp-rows .sp:not([hidden]) a.nm").allTextContents();
}

test("traces: the tab, its filters, a trace's spans and a failed call", async (t) => {
  const page = await open(t);
  await go(page, `/experiments/${ids.trace_experiment}`);
  await page.getByRole("link", { name: "Traces", exact: true }).click();
  await page.waitForURL(/\/traces$/);
  const rows = page.locator("table.traces tbody tr");
  assert.equal(await rows.count(), ids.traces.length + 1, "the six @mlflow.trace traces and the OTLP one");
  const first = await rows.first().locator("td.name a").first().getAttribute("href");
  assert.equal(first, `/traces/${ids.traces.at(-1)}`, "the newest trace is not first");
  assert.match(await rows.first().textContent(), /110/, "the token usage MLflow summed is not shown");
  await shot(page, "30-traces");
  await page.getByRole("link", { name: "Latency", exact: true }).click();
  await page.waitForURL(/order=slowest/);
  assert.equal(await rows.first().locator("td.name a").first().getAttribute("href"), `/traces/${ids.big_trace}`,
    "the 10-second trace is not the slowest");
  assert.equal(await page.locator("th[aria-sort=descending]").textContent(), "Latency");
  await page.getByRole("link", { name: "Started", exact: true }).click();
  await page.waitForURL((u) => !u.searchParams.get("order"));

  await page.getByLabel("Status").selectOption("ERROR");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/status=ERROR/);
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().locator("td.name a").first().getAttribute("href"), `/traces/${ids.failed_trace}`);

  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Filter traces").fill("span.colour = 'red'");
  await page.getByRole("button", { name: "Apply" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /colour/);
  assert.equal(await page.getByLabel("Filter traces").getAttribute("aria-invalid"), "true");
  await shot(page, "31-traces-invalid-filter");
  await page.getByLabel("Filter traces").fill("span.type = 'CHAT_MODEL' AND trace.status = 'OK'");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/filter=/);
  assert.equal(await rows.count(), ids.traces.length - 1, "the five answered traces");

  // A trace: the tree, choosing a span, folding, the keyboard.
  await go(page, `/traces/${ids.traces[0]}`);
  assert.deepEqual(await rowNames(page), ["answer", "retrieve", "lookup_order", "chat"]);
  assert.equal(await page.locator("#span-pane h2").textContent(), "answer");
  const bar = await page.locator("#sp-rows .sp").first().locator("i.bar").evaluate((e) => e.style.width);
  assert.equal(bar, "100%", "the root's bar does not span the timeline");
  await page.locator("a.nm", { hasText: "chat" }).click();
  await page.locator("#span-pane h2", { hasText: "chat" }).waitFor();
  assert.match(page.url(), /span=[0-9a-f]{16}$/);
  const pane = await page.locator("#span-pane").textContent();
  assert.ok(pane.includes("CHAT_MODEL") && pane.includes("mlflow.chat.tokenUsage"), "the chat span's details are missing");
  assert.match(await page.locator("#span-pane pre.val").first().textContent(), /"role": "user"/);
  await shot(page, "32-trace");
  await page.reload(); // the URL keeps the chosen span
  assert.equal(await page.locator("#span-pane h2").textContent(), "chat");

  await page.getByRole("button", { name: "Fold answer" }).click();
  assert.deepEqual(await rowNames(page), ["answer"]);
  await page.getByRole("button", { name: "Fold answer" }).click();
  assert.equal((await rowNames(page)).length, 4);
  await page.locator("a.nm", { hasText: "retrieve" }).focus();
  await page.keyboard.press("ArrowDown");
  await page.locator("#span-pane h2", { hasText: "lookup_order" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "lookup_order");

  // The failed call: its exception, its stack trace.
  await go(page, `/traces/${ids.failed_trace}`);
  await page.locator("a.nm", { hasText: "lookup_order" }).click();
  const exc = page.locator("#span-pane .event.exc");
  await exc.waitFor();
  assert.match(await exc.textContent(), /ValueError: order -1 does not exist/);
  await exc.getByText("Stack trace").click();
  assert.match(await exc.locator("pre").textContent(), /Traceback/);
  await shot(page, "33-trace-failed");
});

test("a 2,000-span trace: every span in the tree, its timing logged", async (t) => {
  const page = await open(t);
  const timings = [];
  for (const [theme, name] of [["light", "34-trace-2000"], ["dark", "35-trace-2000-dark"]]) {
    await page.emulateMedia({ colorScheme: theme });
    await go(page, `/traces/${ids.big_trace}`);
    await page.waitForFunction(() => performance.getEntriesByName("weir-trace-ready").length > 0);
    // Two frames after the script ran: the first paint of the laid-out tree.
    const ms = await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const ready = performance.getEntriesByName("weir-trace-ready")[0].startTime;
      done({ responseStart: nav.responseStart, responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd,
        scriptDone: ready, firstContentfulPaint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
        painted: performance.now(), bytes: nav.transferSize });
    }))));
    timings.push({ theme, ...ms });
    assert.equal(await page.locator("#sp-rows .sp").count(), 2000);
    assert.ok(await page.locator("#sp-rows i.bar").last().evaluate((e) => e.style.width !== ""), "the last bar is not placed");
    await shot(page, name);
  }
  await page.emulateMedia({ colorScheme: "light" });
  // Choosing a span deep in the tree fetches only its pane.
  await page.locator("a.nm").nth(1500).click();
  await page.waitForFunction(() => performance.getEntriesByName("weir-span-shown").length > 0);
  timings.push({ spanPane: await page.evaluate(() =>
    performance.measure("pane", "weir-span-asked", "weir-span-shown").duration) });
  await page.getByRole("button", { name: "Collapse all" }).click();
  assert.deepEqual(await rowNames(page), ["agent_run"]);
  await page.getByLabel("Find spans by name").fill("step_07");
  await page.locator("#sp-found", { hasText: "1 span" }).waitFor();
  await page.getByLabel("Find spans by name").press("Enter");
  await page.locator("#span-pane h2", { hasText: "step_07" }).waitFor();
  const shown = await rowNames(page);
  assert.ok(shown.includes("step_07") && shown.every((n) => n === "agent_run" || n.startsWith("step_")),
    "unfolding down to the found span showed more or less than the steps");
  await shot(page, "36-trace-2000-find");
  await page.getByRole("button", { name: "Expand all" }).click();
  assert.equal((await rowNames(page)).length, 2000);
  t.diagnostic("trace page timing (ms from navigation start): " + JSON.stringify(timings));
  fs.writeFileSync(path.join(out, "trace-timing.json"), JSON.stringify(timings, null, 1) + "\n");
});

// svgProblems runs in a report's page: for every <svg>, the <text> drawn
// outside the svg's box or its viewBox, text under 10 px, two labels that
// overlap, and numbers printed in exponent form. Each problem is a sentence
// naming the chart (its nearest heading) and the label.
function svgProblems() {
  const problems = [];
  const exponent = /(^|[^\w.])[-+]?\d+(\.\d+)?e[-+]?\d+\b/i;
  const heading = (el) => {
    for (let n = el; n; n = n.parentElement) {
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (/^H[1-6]$/.test(s.tagName)) return s.textContent.trim();
        const h = s.querySelector?.("h1, h2, h3, h4");
        if (h) return h.textContent.trim();
      }
    }
    return "(no heading)";
  };
  // corners maps a text's own box to page coordinates.
  const corners = (t) => {
    const b = t.getBBox(), m = t.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  document.querySelectorAll("svg").forEach((svg, i) => {
    if (svg.parentElement.closest("svg")) return;
    const where = `chart ${i + 1} under "${heading(svg)}"`;
    const r = svg.getBoundingClientRect();
    let box = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    const vb = svg.viewBox?.baseVal;
    if (vb && vb.width > 0 && vb.height > 0) {
      const m = svg.getScreenCTM();
      box = { left: Math.max(box.left, m.a * vb.x + m.e), top: Math.max(box.top, m.d * vb.y + m.f),
        right: Math.min(box.right, m.a * (vb.x + vb.width) + m.e), bottom: Math.min(box.bottom, m.d * (vb.y + vb.height) + m.f) };
    }
    const labels = [];
    for (const t of svg.querySelectorAll("text")) {
      const text = t.textContent.trim();
      if (!text) continue;
      const m = t.getScreenCTM();
      const scale = Math.hypot(m.a, m.b);
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 9.95) problems.push(`${where}: "${text}" is ${px.toFixed(1)} px tall, under 10`);
      if (exponent.test(text)) problems.push(`${where}: "${text}" is in exponent form`);
      const c = corners(t);
      const xs = c.map((p) => p[0]), ys = c.map((p) => p[1]);
      const tol = 0.5;
      if (Math.min(...xs) < box.left - tol || Math.max(...xs) > box.right + tol ||
        Math.min(...ys) < box.top - tol || Math.max(...ys) > box.bottom + tol) {
        problems.push(`${where}: "${text}" is clipped (it spans x ${Math.round(Math.min(...xs) - box.left)} to ` +
          `${Math.round(Math.max(...xs) - box.left)}, y ${Math.round(Math.min(...ys) - box.top)} to ` +
          `${Math.round(Math.max(...ys) - box.top)} of a ${Math.round(box.right - box.left)}×${Math.round(box.bottom - box.top)} chart)`);
      }
      labels.push({ text, c, angle: Math.round(Math.atan2(m.b, m.a) * 180 / Math.PI), px });
    }
    // Two labels drawn at the same angle overlap when their boxes, turned
    // back to that angle, share more than a sliver (font boxes hold some
    // empty space above and below the glyphs, so touching lines pass).
    for (let a = 0; a < labels.length; a++) {
      for (let b = a + 1; b < labels.length; b++) {
        const p = labels[a], q = labels[b];
        if (p.angle !== q.angle) continue;
        const th = -p.angle * Math.PI / 180, cos = Math.cos(th), sin = Math.sin(th);
        const rect = (c) => {
          const u = c.map(([x, y]) => [x * cos - y * sin, x * sin + y * cos]);
          return { l: Math.min(...u.map((v) => v[0])), r: Math.max(...u.map((v) => v[0])),
            t: Math.min(...u.map((v) => v[1])), b: Math.max(...u.map((v) => v[1])) };
        };
        const P = rect(p.c), Q = rect(q.c);
        const w = Math.min(P.r, Q.r) - Math.max(P.l, Q.l), h = Math.min(P.b, Q.b) - Math.max(P.t, Q.t);
        if (w > 1 && h > 0.3 * Math.min(p.px, q.px)) problems.push(`${where}: "${p.text}" overlaps "${q.text}"`);
      }
    }
  });
  const body = document.body.innerText.split(/\s+/).filter((w) => /^[-+]?\d+(\.\d+)?e[-+]?\d+[,.;:)]*$/i.test(w));
  for (const w of body) problems.push(`the page prints ${w} in exponent form`);
  return problems;
}

// report opens an HTML report the way a user reaches it: the run's
// artifact page, whose sandboxed frame shows it. It saves that page, then
// opens the frame's document on its own for a full-length screenshot, and
// checks every chart's labels there.
async function report(page, runID, rel, heading, name) {
  await go(page, `/runs/${runID}/artifacts?path=${encodeURIComponent(rel)}`);
  const frame = page.locator("iframe.report");
  await frame.waitFor();
  await page.frameLocator("iframe.report").locator("h1").first().waitFor();
  assert.match(await page.frameLocator("iframe.report").locator("h1").first().textContent(), heading);
  await shot(page, name + "-artifact");
  const src = await frame.getAttribute("src");
  await go(page, src);
  await page.setViewportSize({ width: 1366, height: 860 });
  await shot(page, name);
  const charts = await page.locator("svg").count();
  assert.ok(charts > 0, `${rel} draws no chart`);
  assert.deepEqual(await page.evaluate(svgProblems), [], `${rel}: labels clipped, too small, overlapping or in exponent form`);
  return charts;
}

// The pipeline's run (run.sh runs `weir pipeline init` and `run` on
// bankdata.py's rows) and its reports, each opened from the run's artifacts.
const pipelineRun = () => {
  const run = JSON.parse(fs.readFileSync(process.env.WEIR_PIPELINE, "utf8")).pipeline_run_id;
  assert.ok(run, "the pipeline summary names no run");
  return run;
};
for (const [rel, heading, name, min] of [
  ["reports/eda.html", /Data understanding/, "40-report-eda", 4],
  ["reports/evaluation.html", /Evaluation/, "41-report-evaluation", 4],
  ["monitoring/monitoring.html", /Monitoring/, "42-report-monitoring", 1],
]) {
  test(`pipeline report ${rel}: every chart's labels inside it, readable, apart, no exponents`, async (t) => {
    const page = await open(t);
    assert.ok(await report(page, pipelineRun(), rel, heading, name) >= min, `${rel} draws fewer than ${min} charts`);
  });
}

test("weir monitor report: its report.html, logged with the run", async (t) => {
  const page = await open(t);
  const rep = JSON.parse(fs.readFileSync(process.env.WEIR_MONITOR, "utf8"));
  assert.ok(rep.run_id, "monitor report logged no run");
  assert.ok(await report(page, rep.run_id, "monitoring/report.html", /Monitoring/, "43-report-monitor") >= 1);
});
