// Times a trace page in Debian's Chromium: for each of several loads, when
// the response ended, the first contentful paint, when traces.js finished,
// the first frame after it, and the main thread's work by kind (from a
// Chrome trace). Prints each load and the medians as JSON.
//
//	node tests/browser/trace_timing.mjs http://127.0.0.1:5000/traces/tr-... [loads]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const url = process.argv[2];
const loads = Number(process.argv[3] || 7);
if (!url) {
  console.error("usage: node trace_timing.mjs TRACE_PAGE_URL [loads]");
  process.exit(2);
}
const kinds = ["ParseHTML", "UpdateLayoutTree", "Layout", "PrePaint", "Paint", "EvaluateScript"];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "weir-trace-timing-")), "trace.json");
await page.goto(url); // a first load warms the server and the browser's caches
const runs = [];
for (let i = 0; i < loads; i++) {
  await browser.startTracing(page, { path: file, categories: ["devtools.timeline"] });
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName("weir-trace-ready").length > 0);
  const t = await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    done({ responseEnd: nav.responseEnd, firstContentfulPaint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
      scriptDone: performance.getEntriesByName("weir-trace-ready")[0].startTime, nextFrame: performance.now() });
  }))));
  await browser.stopTracing();
  const work = Object.fromEntries(kinds.map((k) => [k, 0]));
  for (const e of JSON.parse(fs.readFileSync(file, "utf8")).traceEvents) {
    if (e.ph === "X" && e.name in work) work[e.name] += e.dur / 1000;
  }
  runs.push({ ...t, ...work, mainThread: kinds.reduce((s, k) => s + work[k], 0) });
}
await browser.close();
fs.rmSync(path.dirname(file), { recursive: true, force: true });
const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));
const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
for (const r of runs) console.log(JSON.stringify(round(r)));
console.log("median " + JSON.stringify(round(Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(k)])))));
