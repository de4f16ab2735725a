// Weir charts: hand-drawn SVG line charts (metric history, monitoring
// trends), parallel coordinates and scatter plots. Metric histories come
// downsampled from /ui-data/series; zooming asks the server again for the
// narrower range, so detail reappears where the server has it.
"use strict";
(() => {
  const NS = "http://www.w3.org/2000/svg";
  const H = 300, M = { l: 62, r: 18, t: 14, b: 36 };
  let W = 760; // set from the box's width before each drawing, so text stays crisp

  function fit(box) {
    W = Math.max(360, Math.floor(box.getBoundingClientRect().width || 760));
  }
  const COLORS = 8;

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(tag, attrs, parent, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmt(v, digits = 4) {
    if (!isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(Math.max(2, digits - 2));
    return String(Number(v.toPrecision(digits)));
  }
  // fmtAll formats tick values with the fewest digits that keep every
  // label distinct: ticks 0.19352 and 0.19354 must not both read 0.1935.
  function fmtAll(vals, f = fmt) {
    for (let d = 4; d <= 15; d++) {
      const out = vals.map((v) => f(v, d));
      if (new Set(out).size === out.length) return out;
    }
    return vals.map((v) => f(v, 15));
  }
  function fmtX(v, axis) {
    if (axis === "time") return new Date(v).toISOString().slice(5, 16).replace("T", " ");
    if (axis === "rel") {
      const a = Math.abs(v);
      if (a >= 7200) return fmt(v / 3600) + " h";
      if (a >= 120) return fmt(v / 60) + " min";
      return fmt(v) + " s";
    }
    return fmt(v);
  }

  // ticks returns about n round values covering [lo, hi].
  function ticks(lo, hi, n) {
    if (lo === hi) return [lo];
    const span = hi - lo, step0 = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  // logTicks are powers of ten, with 2× and 5× steps when the range spans
  // less than about two decades.
  function logTicks(lo, hi) {
    const out = [];
    const steps = Math.log10(hi / lo) < 2 ? [1, 2, 5] : [1];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of steps) {
        const v = m * Math.pow(10, e);
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(Number(v.toPrecision(6)));
      }
    }
    return out.length ? out : [lo, hi];
  }

  // xTicks places x-axis ticks; wall-time axes longer than two days tick
  // on whole days so that the labels are dates.
  function xTicks(lo, hi, axis) {
    const day = 86400000, n = Math.max(3, Math.floor(W / 140));
    if (axis === "time" && hi - lo > 2 * day) {
      return ticks(lo / day, hi / day, n).filter(Number.isInteger)
        .map((d) => [d * day, new Date(d * day).toISOString().slice(0, 10)]);
    }
    if (axis === "rel") { // round numbers of the unit the labels use
      const span = Math.max(Math.abs(lo), Math.abs(hi));
      const [unit, name] = span >= 7200 ? [3600, " h"] : span >= 120 ? [60, " min"] : [1, " s"];
      const vs = ticks(lo / unit, hi / unit, n);
      const labels = fmtAll(vs);
      return vs.map((v, i) => [v * unit, labels[i] + name]);
    }
    const vs = ticks(lo, hi, n);
    const labels = axis === "time" ? vs.map((v) => fmtX(v, axis)) : fmtAll(vs);
    return vs.map((v, i) => [v, labels[i]]);
  }

  // plotLines draws series [{label, x, y}] and returns the svg. opts:
  // xAxis ("step", "time", "rel", or a label), log, title, onZoom(lo, hi).
  function plotLines(box, series, opts) {
    box.replaceChildren();
    fit(box);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": opts.title }, box);
    let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
    for (const s of series) {
      for (let i = 0; i < s.x.length; i++) {
        const y = s.y[i];
        if (opts.log && !(y > 0)) continue;
        xlo = Math.min(xlo, s.x[i]); xhi = Math.max(xhi, s.x[i]);
        ylo = Math.min(ylo, y); yhi = Math.max(yhi, y);
      }
    }
    if (!isFinite(xlo)) {
      el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, svg).textContent = "No points to draw.";
      return svg;
    }
    if (xlo === xhi) { xlo -= 1; xhi += 1; }
    if (opts.dots) { const d = (xhi - xlo) * 0.04; xlo -= d; xhi += d; } // keep dots off the frame
    if (ylo === yhi) { const d = Math.abs(ylo) * 0.1 || 1; ylo -= d; yhi += d; }
    const ty = opts.log ? Math.log10 : (v) => v;
    const [tlo, thi] = [ty(ylo), ty(yhi)];
    const pad = (thi - tlo) * 0.05;
    const sx = (x) => M.l + ((x - xlo) / (xhi - xlo)) * (W - M.l - M.r);
    const sy = (y) => H - M.b - ((ty(y) - tlo + pad) / (thi - tlo + 2 * pad)) * (H - M.t - M.b);
    const axis = el("g", { class: "axis" }, svg);
    const yt = (opts.log ? logTicks(ylo, yhi) : ticks(ylo, yhi, 5)).filter((v) => {
      const y = sy(v);
      return y >= M.t - 1 && y <= H - M.b + 1;
    });
    const ylabels = fmtAll(yt);
    yt.forEach((v, i) => {
      const y = sy(v);
      el("line", { x1: M.l, x2: W - M.r, y1: y, y2: y, class: "grid-line" }, axis);
      el("text", { x: M.l - 6, y: y + 4, "text-anchor": "end" }, axis).textContent = ylabels[i];
    });
    for (const [v, label] of xTicks(xlo, xhi, opts.xAxis)) {
      const x = sx(v);
      el("line", { x1: x, x2: x, y1: H - M.b, y2: H - M.b + 4 }, axis);
      el("text", { x, y: H - M.b + 16, "text-anchor": "middle" }, axis).textContent = label;
    }
    el("line", { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }, axis);
    el("text", { x: W - M.r, y: H - 4, "text-anchor": "end" }, axis).textContent =
      { step: "step", time: "wall time (UTC)", rel: "time since run start" }[opts.xAxis] || opts.xAxis;
    series.forEach((s, i) => {
      let d = "", pen = "M";
      for (let j = 0; j < s.x.length; j++) {
        if (opts.log && !(s.y[j] > 0)) { pen = "M"; continue; }
        d += `${pen}${sx(s.x[j]).toFixed(1)} ${sy(s.y[j]).toFixed(1)}`;
        pen = "L";
      }
      const cls = "k" + ((i % COLORS) + 1);
      if (s.x.length === 1 || opts.dots) {
        s.x.forEach((x, j) => {
          if (opts.log && !(s.y[j] > 0)) return;
          el("circle", { cx: sx(x), cy: sy(s.y[j]), r: 3.2, class: "dot " + cls }, svg);
        });
      }
      const p = el("path", { d, class: "line " + cls }, svg);
      el("title", {}, p).textContent = s.label;
    });
    const legend = html("div", { class: "legend" }, box);
    series.forEach((s, i) => html("span", { class: "k" + ((i % COLORS) + 1) }, legend, s.label));
    if (opts.onZoom) dragZoom(svg, (px) => xlo + ((px - M.l) / (W - M.l - M.r)) * (xhi - xlo), opts.onZoom);
    return svg;
  }

  // plotBars draws single values as horizontal bars, one group per metric
  // with its own scale (metrics differ in range), one bar per run:
  // bars [{group, label, value, k}] where k picks the colour.
  function plotBars(box, bars, opts) {
    box.replaceChildren();
    fit(box);
    const groups = [...new Set(bars.map((b) => b.group))];
    const rowH = 22, headH = groups.length > 1 || opts.groupTitles ? 22 : 0, top = 6;
    const height = top + groups.length * headH + bars.length * rowH + 8;
    const svg = el("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart bars", role: "img", "aria-label": opts.title }, box);
    const longest = Math.max(...bars.map((b) => b.label.length));
    const L = Math.min(Math.floor(W * 0.35), 14 + longest * 6.6), R = 70; // room for names and values
    const clip = (t) => (t.length * 6.6 > L - 14 ? t.slice(0, Math.max(4, Math.floor((L - 14) / 6.6) - 1)) + "…" : t);
    let y = top;
    for (const g of groups) {
      const rows = bars.filter((b) => b.group === g);
      const vals = rows.map((b) => b.value);
      let lo = Math.min(0, ...vals), hi = Math.max(0, ...vals);
      if (lo === hi) hi = 1;
      const sx = (v) => L + ((v - lo) / (hi - lo)) * (W - L - R);
      if (headH) {
        el("text", { x: 4, y: y + 15, class: "group" }, svg).textContent = g;
        y += headH;
      }
      const zero = el("line", { x1: sx(0), x2: sx(0), y1: y, y2: y + rows.length * rowH, class: "zero" }, svg);
      zero.setAttribute("aria-hidden", "true");
      const labels = fmtAll(vals, (v, d) => fmt(v, Math.max(d, 6)));
      rows.forEach((b, i) => {
        const x0 = sx(Math.min(0, b.value)), x1 = sx(Math.max(0, b.value));
        const name = el("text", { x: L - 8, y: y + 15, "text-anchor": "end" }, svg);
        name.textContent = clip(b.label);
        el("title", {}, name).textContent = b.label;
        const r = el("rect", { x: x0, y: y + 4, width: Math.max(1, x1 - x0), height: rowH - 8, class: "bar k" + b.k }, svg);
        el("title", {}, r).textContent = `${b.label}: ${labels[i]}`;
        el("text", { x: x1 + 5, y: y + 15, class: "value" }, svg).textContent = labels[i];
        y += rowH;
      });
    }
    return svg;
  }

  // dragZoom lets a pointer drag across the plot choose an x range.
  function dragZoom(svg, invert, onZoom) {
    let start = null, rect = null;
    const px = (e) => {
      const r = svg.getBoundingClientRect();
      return Math.max(M.l, Math.min(W - M.r, ((e.clientX - r.left) / r.width) * W));
    };
    svg.addEventListener("pointerdown", (e) => {
      start = px(e);
      rect = el("rect", { x: start, y: M.t, width: 0, height: H - M.t - M.b, class: "sel" }, svg);
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener("pointermove", (e) => {
      if (start === null) return;
      const x = px(e);
      rect.setAttribute("x", Math.min(start, x));
      rect.setAttribute("width", Math.abs(x - start));
    });
    svg.addEventListener("pointerup", (e) => {
      if (start === null) return;
      const x = px(e), a = Math.min(start, x), b = Math.max(start, x);
      rect.remove();
      start = null;
      if (b - a > 4) onZoom(invert(a), invert(b));
    });
  }

  // ema smooths like a debiased exponential moving average.
  function ema(ys, alpha) {
    if (!alpha) return ys;
    const out = new Array(ys.length);
    let acc = 0;
    for (let i = 0; i < ys.length; i++) {
      acc = alpha * acc + (1 - alpha) * ys[i];
      out[i] = acc / (1 - Math.pow(alpha, i + 1));
    }
    return out;
  }

  let uid = 0;
  function metricChart(box) {
    const init = JSON.parse(box.querySelector(".chart-init").textContent);
    const st = { show: new Set(init.show), x: "step", smooth: 0, log: false, from: null, to: null, data: null };
    const id = "c" + (++uid);
    const keysBox = html("fieldset", { class: "chart-keys" }, box);
    html("legend", { class: "sr-only" }, keysBox, "Metrics to draw");
    if (init.keys.length > 12) {
      const find = html("input", { type: "search", placeholder: "Find a metric", "aria-label": "Find a metric" }, keysBox);
      find.addEventListener("input", () => {
        const q = find.value.toLowerCase();
        for (const l of keysBox.querySelectorAll("label")) l.hidden = !l.textContent.toLowerCase().includes(q);
      });
    }
    for (const k of init.keys) {
      const l = html("label", {}, keysBox);
      const cb = html("input", { type: "checkbox", value: k }, l);
      cb.checked = st.show.has(k);
      l.append(" " + k);
      cb.addEventListener("change", () => { cb.checked ? st.show.add(k) : st.show.delete(k); load(); });
    }
    const ctl = html("div", { class: "chart-controls" }, box);
    const xl = html("label", { for: id + "x" }, ctl, "X axis ");
    const xs = html("select", { id: id + "x" }, xl);
    for (const [v, t] of [["step", "Step"], ["time", "Wall time"], ["rel", "Relative time"]]) html("option", { value: v }, xs, t);
    xs.addEventListener("change", () => { st.x = xs.value; st.from = st.to = null; load(); });
    const lineCtl = html("span", { class: "line-controls" }, ctl); // what only lines need
    const sl = html("label", { for: id + "s" }, lineCtl, "Smoothing ");
    const sm = html("input", { id: id + "s", type: "range", min: "0", max: "0.98", step: "0.02", value: "0" }, sl);
    const smv = html("output", { for: id + "s" }, sl, "0");
    sm.addEventListener("input", () => { st.smooth = Number(sm.value); smv.textContent = sm.value; draw(); });
    const ll = html("label", {}, lineCtl);
    const lg = html("input", { type: "checkbox" }, ll);
    ll.append(" Log scale");
    lg.addEventListener("change", () => { st.log = lg.checked; draw(); });
    const zin = html("button", { type: "button" }, lineCtl, "Zoom in");
    const reset = html("button", { type: "button" }, lineCtl, "Reset zoom");
    zin.addEventListener("click", () => {
      const s = st.data && st.data.series.find((s) => s.x.length);
      if (!s) return;
      const lo = st.from ?? s.x[0], hi = st.to ?? s.x[s.x.length - 1], q = (hi - lo) / 4;
      st.from = lo + q; st.to = hi - q; load();
    });
    reset.addEventListener("click", () => { st.from = st.to = null; load(); });
    const status = html("div", { class: "chart-status", role: "status", "aria-live": "polite" }, box);
    const plot = html("div", {}, box);

    async function load() {
      if (!st.show.size) { plot.replaceChildren(); status.textContent = "Choose a metric to draw."; return; }
      const p = new URLSearchParams();
      init.runs.forEach((r) => p.append("run", r));
      st.show.forEach((k) => p.append("key", k));
      p.set("x", st.x);
      if (st.from !== null) { p.set("from", st.from); p.set("to", st.to); }
      status.textContent = "Loading…";
      try {
        const res = await fetch("/ui-data/series?" + p.toString());
        const body = await res.json();
        if (!res.ok) { status.textContent = body.message || "The chart could not be loaded."; return; }
        st.data = body;
        draw();
      } catch (e) {
        status.textContent = "The chart could not be loaded.";
      }
    }
    function draw() {
      if (!st.data) return;
      const many = init.runs.length > 1;
      // Values logged once are bars: a line of one point is a lone dot.
      if (st.from === null && st.data.series.every((s) => s.x.length <= 1) && st.data.series.some((s) => s.x.length)) {
        const order = new Map(init.runs.map((r, i) => [r, i]));
        const bars = st.data.series.filter((s) => s.x.length).map((s) => ({
          group: s.key, label: many ? s.runName : s.key, value: s.y[0], k: ((order.get(s.run) ?? 0) % COLORS) + 1,
        }));
        status.textContent = "Each metric was logged once: its values are bars.";
        lineCtl.hidden = true;
        plotBars(plot, bars, { title: "Values of " + [...st.show].join(", "), groupTitles: many });
        return;
      }
      lineCtl.hidden = false;
      const series = st.data.series.map((s) => ({
        label: many ? `${s.runName} · ${s.key}` : s.key, x: s.x, y: ema(s.y, st.smooth),
      }));
      const total = st.data.series.reduce((a, s) => a + s.points, 0);
      const drawn = st.data.series.reduce((a, s) => a + s.x.length, 0);
      status.textContent = `${drawn.toLocaleString()} of ${total.toLocaleString()} points drawn` +
        (st.from !== null ? ` · zoomed to ${fmtX(st.from, st.x)} – ${fmtX(st.to, st.x)}` : "") +
        " · drag across the chart to zoom";
      plotLines(plot, series, {
        xAxis: st.x, log: st.log, title: "Metric history: " + [...st.show].join(", "),
        onZoom: (lo, hi) => { st.from = lo; st.to = hi; load(); },
      });
    }
    load();
  }

  // columns of the compare data: numeric params and metrics.
  function compareColumns(runs) {
    const cols = new Map();
    for (const r of runs) {
      for (const k of Object.keys(r.params)) cols.set("param:" + k, { kind: "param", key: k });
      for (const k of Object.keys(r.metrics)) cols.set("metric:" + k, { kind: "metric", key: k });
    }
    return [...cols.entries()].map(([id, c]) => ({ id, ...c }));
  }
  function value(run, c) {
    if (c.kind === "metric") return run.metrics[c.key];
    const v = run.params[c.key];
    return v === undefined ? undefined : v;
  }
  function numeric(runs, c) {
    return runs.every((r) => { const v = value(r, c); return v === undefined || (v !== "" && isFinite(Number(v))); });
  }
  function selectOf(parent, label, cols, chosen, onChange) {
    const l = html("label", {}, parent, label + " ");
    const s = html("select", {}, l);
    for (const c of cols) {
      const o = html("option", { value: c.id }, s, `${c.kind} ${c.key}`);
      if (c.id === chosen) o.selected = true;
    }
    s.addEventListener("change", () => onChange(s.value));
    return s;
  }

  function scatter(box, runs, key) {
    const cols = compareColumns(runs).filter((c) => numeric(runs, c));
    if (cols.length < 2) { box.textContent = "A scatter needs two numeric columns."; return; }
    const byId = new Map(cols.map((c) => [c.id, c]));
    const firstMetric = cols.find((c) => c.id === "metric:" + key) || cols.find((c) => c.kind === "metric") || cols[1];
    let cx = (cols.find((c) => c.kind === "param") || cols[0]).id, cy = firstMetric.id;
    if (cx === cy) cx = cols.find((c) => c.id !== cy).id;
    const ctl = html("div", { class: "chart-controls" }, box);
    const plot = html("div", {}, box);
    selectOf(ctl, "X", cols, cx, (v) => { cx = v; draw(); });
    selectOf(ctl, "Y", cols, cy, (v) => { cy = v; draw(); });
    function draw() {
      const series = runs.filter((r) => value(r, byId.get(cx)) !== undefined && value(r, byId.get(cy)) !== undefined)
        .map((r) => ({ label: r.name, x: [Number(value(r, byId.get(cx)))], y: [Number(value(r, byId.get(cy)))] }));
      plotLines(plot, series, { xAxis: byId.get(cx).key, dots: true, title: `Scatter of ${byId.get(cy).key} against ${byId.get(cx).key}` });
    }
    draw();
  }

  // parallel draws one axis per param that differs between the runs (the
  // ones most runs have first) and the chosen metric last. A run without a
  // value on an axis crosses it at "none" below the values, so that every
  // run is a whole line: runs of different learners share few params.
  function parallel(box, runs, key) {
    const all = compareColumns(runs);
    const metrics = all.filter((c) => c.kind === "metric");
    const have = (c) => runs.filter((r) => value(r, c) !== undefined).length;
    const params = all.filter((c) => c.kind === "param" && new Set(runs.map((r) => value(r, c))).size > 1)
      .sort((a, b) => have(b) - have(a)).slice(0, 8);
    if (!metrics.length || !params.length) { box.textContent = "Parallel coordinates need params that differ and a metric."; return; }
    let metric = (metrics.find((c) => c.key === key) || metrics[0]).id;
    const ctl = html("div", { class: "chart-controls" }, box);
    const plot = html("div", {}, box);
    selectOf(ctl, "Metric", metrics, metric, (v) => { metric = v; draw(); });
    function draw() {
      plot.replaceChildren();
      fit(plot);
      const axes = [...params, all.find((c) => c.id === metric)];
      const T = 44, B = 30, L = 84, R = 64; // names above, "none" below, tick labels left
      const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart parallel", role: "img",
        "aria-label": "Parallel coordinates of " + axes.map((a) => a.key).join(", ") }, plot);
      const gap = (W - L - R) / Math.max(1, axes.length - 1);
      const gx = (i) => L + i * gap;
      const bottom = H - B, none = H - 10;
      const scales = axes.map((a) => {
        const vals = runs.map((r) => value(r, a)).filter((v) => v !== undefined);
        const missing = vals.length < runs.length;
        if (numeric(runs, a)) {
          const nums = vals.map(Number);
          let lo = Math.min(...nums), hi = Math.max(...nums);
          if (lo === hi) { lo -= 1; hi += 1; }
          const f = (v) => bottom - ((Number(v) - lo) / (hi - lo)) * (bottom - T);
          const tv = ticks(lo, hi, 4).filter((v) => v >= lo && v <= hi);
          const tl = fmtAll(tv);
          return { f, missing, ticks: tv.map((v, i) => [f(v), tl[i]]) };
        }
        const cats = [...new Set(vals.map(String))].sort();
        const f = (v) => bottom - ((cats.indexOf(String(v)) + 0.5) / cats.length) * (bottom - T);
        const every = Math.ceil(cats.length / 8); // at most 8 names on an axis
        return { f, missing, ticks: cats.filter((_, i) => i % every === 0).map((c) => [f(c), c]) };
      });
      runs.forEach((r, j) => {
        let d = "";
        axes.forEach((a, i) => {
          const v = value(r, a);
          const y = v === undefined ? none : scales[i].f(v);
          d += `${i ? "L" : "M"}${gx(i).toFixed(1)} ${y.toFixed(1)}`;
        });
        const p = el("path", { d, class: "pc-line k" + ((j % COLORS) + 1) }, svg);
        el("title", {}, p).textContent = r.name;
      });
      // Names sit above the axes; when one is wider than the gap between
      // axes, every other name moves down a row so neighbours never touch.
      const CW = 6.6; // width of a character of the 11px labels, generously
      const stagger = axes.length > 2 && axes.some((a) => a.key.length * CW > gap - 8);
      const half = (stagger ? gap : gap / 2) - 4;
      axes.forEach((a, i) => {
        const g = el("g", { class: "axis" }, svg);
        const x = gx(i);
        el("line", { x1: x, x2: x, y1: T, y2: bottom }, g);
        const lo = i === 0 ? 2 : x - half, hi = i === axes.length - 1 ? W - 2 : x + half;
        const max = Math.max(3, Math.floor((hi - lo) / CW));
        const text = a.key.length > max ? a.key.slice(0, max - 1) + "…" : a.key;
        const w = text.length * CW;
        const cx = Math.min(Math.max(x, lo + w / 2), hi - w / 2);
        const row = stagger && i % 2 ? 1 : 0;
        const name = el("text", { x: cx.toFixed(1), y: T - 24 + row * 13, "text-anchor": "middle", class: "name" }, g);
        name.textContent = text;
        el("title", {}, name).textContent = `${a.kind} ${a.key}`;
        for (const [y, label] of scales[i].ticks) {
          el("line", { x1: x - 3, x2: x, y1: y, y2: y }, g);
          const t = el("text", { x: x - 5, y: y + 4, "text-anchor": "end", class: "halo" }, g);
          const fits = Math.max(4, Math.min(12, Math.floor((i ? gap - 12 : L - 8) / CW)));
          t.textContent = label.length > fits ? label.slice(0, fits - 1) + "…" : label;
          if (label.length > fits) el("title", {}, t).textContent = label;
        }
        if (scales[i].missing) {
          el("text", { x: x - 5, y: none + 4, "text-anchor": "end", class: "halo none" }, g).textContent = "none";
        }
      });
      const legend = html("div", { class: "legend" }, plot);
      runs.forEach((r, j) => html("span", { class: "k" + ((j % COLORS) + 1) }, legend, r.name));
    }
    draw();
  }

  function trend(box, points) {
    const prefix = box.dataset.trend;
    const keys = new Set();
    for (const p of points) for (const k of Object.keys(p.metrics)) {
      if (prefix.endsWith(".") ? k.startsWith(prefix) : k === prefix) keys.add(k);
    }
    if (!keys.size) { box.textContent = "No values logged."; return; }
    const series = [...keys].sort().map((k) => {
      const pts = points.filter((p) => p.metrics[k] !== undefined);
      return { label: prefix.endsWith(".") ? k.slice(prefix.length) : k, x: pts.map((p) => p.t), y: pts.map((p) => p.metrics[k]) };
    });
    plotLines(box, series, { xAxis: "time", dots: true, title: "Trend of " + prefix });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-chart]").forEach(metricChart);
    const cmp = document.getElementById("compare-data");
    if (cmp) {
      const runs = JSON.parse(cmp.textContent);
      const sc = document.getElementById("scatter"), pc = document.getElementById("parallel");
      // The plots open on the metric the history chart shows first: the key one.
      const init = document.querySelector("[data-chart] .chart-init");
      const key = init ? JSON.parse(init.textContent).show[0] : undefined;
      if (sc) scatter(sc, runs, key);
      if (pc) parallel(pc, runs, key);
    }
    const tr = document.getElementById("trend-data");
    if (tr) {
      const points = JSON.parse(tr.textContent);
      document.querySelectorAll("[data-trend]").forEach((b) => trend(b, points));
    }
  });
})();
