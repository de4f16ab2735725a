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
    (ths, h) => ths.findIndex((th) => th.textContent.replace(/\s+/g, " ").trim().endsWith(h)), header);
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
  await page.locator("table.runs thead th", { hasText: "auc" }).getByRole("link").click();
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
  await page.getByRole("checkbox", { name: "auc" }).check();
  await page.waitForFunction(() => document.querySelectorAll("[data-chart] svg path.line").length === 2);
  await shot(page, "07-run-chart-log-rel");
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
  assert.match(await page.locator("#cmd-serve").inputValue(), /^weir models serve -m models:\/bank-classifier@champion/);
  assert.match(await page.locator(".card").textContent(), /Predicts term-deposit subscription/);
  await page.getByRole("textbox", { name: "Alias" }).fill("challenger");
  await page.getByRole("combobox", { name: "Version" }).selectOption("2");
  await page.getByRole("button", { name: "Set alias" }).click();
  await page.locator("ul.plain li", { hasText: "@challenger" }).waitFor();
  assert.match(await page.locator("#v2").textContent(), /@challenger/);
  await shot(page, "11-model");
  await go(page, "/models");
  assert.match(await page.locator("table").textContent(), /@challenger → v2/);
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
  for (const url of ["/", `/experiments/${ids.experiment}`, `/runs/${ids.long}`, `/model?name=${ids.model}`]) {
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
});
