// Weir UI behaviour that plain HTML lacks: confirmations, folding child
// runs, enabling "compare", copy buttons. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
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
