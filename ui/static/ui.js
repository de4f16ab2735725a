// Weir UI behaviour that plain HTML lacks: MLflow's links, confirmations,
// folding child runs, enabling "compare", copy buttons, pinned columns.
// Every page works without it.
"use strict";

// mlflowRoute maps the hash routes of MLflow's UI, which its client prints
// (http://host:5000/#/experiments/0/runs/<id>), to Weir's pages. The hash
// never reaches the server, so only the page can do this.
function mlflowRoute(hash) {
  const [path, query] = hash.replace(/^#/, "").split("?");
  const p = path.split("/").filter(Boolean).map((s) => {
    try { return decodeURIComponent(s); } catch { return s; }
  });
  const enc = encodeURIComponent;
  if (p[0] === "experiments" && p[1]) {
    if (p[2] === "runs" && p[3]) {
      if (p[4] === "artifacts" || p[4] === "artifactPath") {
        const rest = p.slice(5).join("/");
        return `/runs/${enc(p[3])}/artifacts` + (rest ? "?path=" + enc(rest) : "");
      }
      return "/runs/" + enc(p[3]);
    }
    if (p[2] === "traces") return `/experiments/${enc(p[1])}/traces`;
    return "/experiments/" + enc(p[1]);
  }
  if (p[0] === "models" && p[1]) {
    if (p[2] === "versions" && p[3]) return `/model/version?name=${enc(p[1])}&version=${enc(p[3])}`;
    return "/model?name=" + enc(p[1]);
  }
  if (p[0] === "models") return "/models";
  if (p[0] === "experiments") return "/experiments";
  if (p[0] === "compare-runs" && query) {
    try {
      const runs = JSON.parse(new URLSearchParams(query).get("runs") || "[]");
      if (Array.isArray(runs) && runs.length) return "/compare?" + runs.map((r) => "run=" + enc(r)).join("&");
    } catch { /* not MLflow's form: stay */ }
  }
  return null;
}
if (location.pathname === "/" && location.hash.startsWith("#/")) {
  const to = mlflowRoute(location.hash);
  if (to) location.replace(to);
}

// The runs table's columns, pins, order and page size live in its URL;
// the last one used for each experiment is kept here, so that links back
// to the experiment open the table as it was left.
const runsViewKey = (id) => "weir.runs." + id;
function rememberRunsView() {
  const m = location.pathname.match(/^\/experiments\/([^/]+)$/);
  if (!m) return;
  const q = new URLSearchParams(location.search);
  for (const k of ["page", "hist", "filter"]) q.delete(k);
  try {
    if ([...q.keys()].length) localStorage.setItem(runsViewKey(m[1]), q.toString());
    else if (!location.search) localStorage.removeItem(runsViewKey(m[1])); // "Default columns"
  } catch { /* storage may be refused */ }
}
function restoreRunsLinks() {
  for (const a of document.querySelectorAll("a[href^='/experiments/']")) {
    const m = a.getAttribute("href").match(/^\/experiments\/([^/?#]+)$/);
    if (!m) continue;
    let saved = null;
    try { saved = localStorage.getItem(runsViewKey(m[1])); } catch { /* storage refused */ }
    if (saved) a.setAttribute("href", `/experiments/${m[1]}?${saved}`);
  }
}

// stickColumns keeps the select box, the run's name and the pinned columns
// in view when the runs table scrolls sideways: each gets the offset of
// the columns before it.
function stickColumns(table) {
  const head = table.tHead && table.tHead.rows[0];
  if (!head) return;
  const cells = [...head.cells];
  const stuck = cells.map((th, i) => i < 2 || th.classList.contains("pinned"));
  let left = 0, last = -1;
  cells.forEach((th, i) => {
    if (!stuck[i]) return;
    for (const row of table.rows) {
      const c = row.cells[i];
      if (!c || row.cells.length !== cells.length) continue;
      c.style.left = left + "px";
      c.classList.add("stuck");
    }
    left += th.getBoundingClientRect().width;
    last = i;
  });
  for (const row of table.rows) {
    if (row.cells.length === cells.length && last >= 0) row.cells[last].classList.add("edge");
  }
}
document.addEventListener("DOMContentLoaded", () => {
  rememberRunsView();
  restoreRunsLinks();
  for (const t of document.querySelectorAll("table.runs")) stickColumns(t);

  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }

  // Nested runs: a parent's button folds the child rows that follow it.
  for (const btn of document.querySelectorAll("button.fold")) {
    btn.addEventListener("click", () => {
      const open = btn.getAttribute("aria-expanded") !== "true";
      btn.setAttribute("aria-expanded", String(open));
      for (const row of document.querySelectorAll("tr[data-parent]")) {
        if (row.dataset.parent === btn.dataset.run) row.hidden = !open;
      }
    });
  }

  const cmp = document.getElementById("compare-form");
  if (cmp) {
    const btn = document.getElementById("compare-btn");
    const hint = document.getElementById("compare-hint");
    const update = () => {
      const n = cmp.querySelectorAll("input[name=run]:checked").length;
      btn.disabled = n < 2;
      hint.textContent = n < 2 ? "Select two or more runs." : n + " runs selected.";
    };
    cmp.addEventListener("change", update);
    update();
  }

  for (const btn of document.querySelectorAll("button[data-copy]")) {
    btn.addEventListener("click", async () => {
      const input = document.getElementById(btn.dataset.copy);
      try {
        await navigator.clipboard.writeText(input.value);
        btn.textContent = "Copied";
      } catch {
        input.select(); // the clipboard may be refused; leave the text selected
        btn.textContent = "Press Ctrl+C";
      }
      setTimeout(() => { btn.textContent = "Copy"; }, 1500);
    });
  }

  const diff = document.getElementById("only-diff");
  if (diff) {
    diff.addEventListener("change", () => {
      document.getElementById("compare-table").classList.toggle("hide-same", diff.checked);
    });
  }
});
