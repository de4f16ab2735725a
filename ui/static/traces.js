// The trace page's behaviour: timeline bars placed from their data
// attributes (the CSP forbids style attributes), folding the span tree,
// choosing a span without reloading the page, and moving through the tree
// with the arrow keys. Without it the page still shows the tree, and each
// span is a link to the page with that span chosen.
"use strict";

(() => {
  const rows = document.getElementById("sp-rows");
  if (!rows) return;
  const pane = document.getElementById("span-pane");
  const traceID = rows.dataset.trace;
  const all = rows.children; // the rows, in tree order

  // Bars: every write before any read, so the browser lays out once.
  for (const bar of rows.querySelectorAll("i.bar")) {
    bar.style.marginLeft = bar.dataset.o / 10 + "%";
    bar.style.width = bar.dataset.w / 10 + "%";
  }

  const indexOf = (row) => Array.prototype.indexOf.call(all, row);
  const descendants = (row) => Number(row.dataset.n) || 0;

  // fold hides the rows under row, or shows them again, except those
  // under a span that stays folded.
  function fold(row, open) {
    const btn = row.querySelector("button.tg");
    if (!btn) return;
    btn.setAttribute("aria-expanded", String(open));
    const i = indexOf(row), end = i + descendants(row);
    for (let j = i + 1; j <= end; j++) {
      const r = all[j];
      r.hidden = !open;
      if (open && r.querySelector("button.tg[aria-expanded=false]")) {
        j += descendants(r); // its own rows stay hidden
      }
    }
  }
  function foldAll(open) {
    for (const btn of rows.querySelectorAll("button.tg")) btn.setAttribute("aria-expanded", String(open));
    for (const r of all) r.hidden = !open && !r.classList.contains("d0");
  }

  // choose shows a span's details in the pane, fetched as a fragment; the
  // URL keeps the choice so reloading or sharing it shows the same span.
  let asked = 0;
  async function choose(id, focusPane) {
    const link = rows.querySelector(`a.nm[data-span="${CSS.escape(id)}"]`);
    if (!link) return false;
    performance.mark("weir-span-asked");
    const row = link.closest(".sp");
    for (const r of rows.querySelectorAll(".sp.sel")) {
      r.classList.remove("sel");
      r.querySelector("a.nm").removeAttribute("aria-current");
    }
    row.classList.add("sel");
    link.setAttribute("aria-current", "true");
    revealRow(row);
    const n = ++asked;
    const url = new URL(location.href);
    url.searchParams.set("span", id);
    history.replaceState(null, "", url);
    try {
      const res = await fetch(`/ui-data/span?trace=${encodeURIComponent(traceID)}&span=${encodeURIComponent(id)}`);
      if (!res.ok) throw new Error(res.statusText);
      const html = await res.text();
      if (n !== asked) return true; // a later choice won
      pane.innerHTML = html;
      pane.scrollTop = 0;
      if (focusPane) pane.querySelector("h2")?.focus();
      performance.mark("weir-span-shown");
    } catch {
      location.href = url; // the server page shows the same span
    }
    return true;
  }

  // revealRow unfolds the ancestors of a row that a fold hides.
  function revealRow(row) {
    if (!row.hidden) return;
    const i = indexOf(row);
    for (let j = i - 1; j >= 0; j--) { // innermost ancestor first
      if (j + descendants(all[j]) >= i && all[j].querySelector("button.tg[aria-expanded=false]")) fold(all[j], true);
    }
  }

  document.addEventListener("click", (e) => {
    const btn = e.target.closest("#sp-rows button.tg");
    if (btn) {
      fold(btn.closest(".sp"), btn.getAttribute("aria-expanded") !== "true");
      return;
    }
    const a = e.target.closest("a[data-span]");
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    choose(a.dataset.span, !rows.contains(a)).then((ok) => {
      if (!ok) location.href = a.href; // a parent the trace does not hold: the page says so
    });
  });

  // Arrow keys move between visible spans; left and right fold and unfold.
  rows.addEventListener("keydown", (e) => {
    const a = e.target.closest("a.nm");
    if (!a) return;
    const row = a.closest(".sp");
    const step = (dir) => {
      for (let j = indexOf(row) + dir; j >= 0 && j < all.length; j += dir) {
        if (!all[j].hidden) return all[j];
      }
      return null;
    };
    let to = null;
    switch (e.key) {
      case "ArrowDown": to = step(1); break;
      case "ArrowUp": to = step(-1); break;
      case "ArrowRight": fold(row, true); break;
      case "ArrowLeft": fold(row, false); break;
      case "Home": to = all[0]; break;
      case "End":
        for (let j = all.length - 1; j >= 0 && !to; j--) if (!all[j].hidden) to = all[j];
        break;
      default: return;
    }
    e.preventDefault();
    if (to) {
      const link = to.querySelector("a.nm");
      link.focus();
      choose(link.dataset.span, false);
    }
  });

  const expand = document.getElementById("sp-expand"), collapse = document.getElementById("sp-collapse");
  if (rows.querySelector("button.tg")) {
    expand.hidden = collapse.hidden = false;
    expand.addEventListener("click", () => foldAll(true));
    collapse.addEventListener("click", () => foldAll(false));
  }
  // Find: spans whose name holds the text are marked; Enter shows the
  // next one, unfolding the tree down to it.
  const findBox = document.getElementById("sp-find-box"), find = document.getElementById("sp-find");
  const found = document.getElementById("sp-found");
  let hits = [], timer = 0;
  findBox.hidden = false;
  find.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const text = find.value.trim().toLowerCase();
      hits = [];
      for (const r of all) {
        const hit = text !== "" && r.querySelector("a.nm").textContent.toLowerCase().includes(text);
        r.classList.toggle("hit", hit);
        if (hit) hits.push(r);
      }
      found.textContent = text === "" ? "" : hits.length === 1 ? "1 span" : hits.length + " spans";
    }, 120);
  });
  find.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !hits.length) return;
    e.preventDefault();
    const cur = indexOf(rows.querySelector(".sp.sel"));
    const next = hits.find((r) => indexOf(r) > cur) || hits[0];
    const link = next.querySelector("a.nm");
    choose(link.dataset.span, false);
    link.scrollIntoView({ block: "nearest" });
  });

  const sel = rows.querySelector(".sp.sel");
  if (sel && sel !== all[0]) sel.scrollIntoView({ block: "nearest" });
  performance.mark("weir-trace-ready");
})();
