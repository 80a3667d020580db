"use strict";
// The page of `recommender serve`: plain JavaScript over the /v1 JSON API (no build step, no CDN,
// works offline). Panels: You, Explore, Train, Neighbours, Map, Models.
const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";
const state = { models: [], user: null, algorithms: [], limits: null, lastTrained: null };
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];
const GREY = "#b8b8b8";

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) { const e = new Error(body.error ? `${body.error.code}: ${body.error.message}` : response.statusText); e.code = body.error && body.error.code; throw e; }
  return body;
}
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function svg(tag, attrs) { const e = document.createElementNS(SVGNS, tag); for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); return e; }
function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; }
function showError(target, error) { target.replaceChildren(el("li", String(error.message || error), "error")); }
function fmt(v, digits) { return Number.isInteger(v) ? String(v) : Number(v).toFixed(digits === undefined ? 3 : digits); }

const loaders = { explore: loadExplore, train: loadTrain, map: loadMap, models: loadModels };
for (const button of document.querySelectorAll("nav button")) {
  button.addEventListener("click", () => {
    for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b === button);
    for (const p of document.querySelectorAll(".panel")) p.classList.toggle("active", p.id === "panel-" + button.dataset.panel);
    const load = loaders[button.dataset.panel];
    if (load) load();
  });
}

// ---------------------------------------------------------------------------------------------
// You: search, rate with stars, recommendations with "because you liked".
// The name field names the user in the store; an emptied field keeps the previous name (it never
// invents one while the person is typing), a new visitor gets a random one once.
function userId() {
  const typed = $("you-user").value.trim();
  if (typed) { state.user = typed; return typed; }
  if (!state.user) state.user = "web-" + Math.random().toString(36).slice(2, 8);
  return state.user;
}
function youModel() { return $("you-model").value; }
async function searchInto(query, list, onPick, withStars) {
  if (!query.trim()) { list.replaceChildren(); return; }
  try {
    const result = await api(`/v1/items?query=${encodeURIComponent(query)}&limit=8`);
    list.replaceChildren(...result.items.map((item) => {
      const li = el("li"); li.dataset.item = item.item;
      const title = el("span", item.title, "title"); title.addEventListener("click", () => onPick(item));
      li.append(title, el("span", item.genres.join(", "), "because"));
      if (withStars) {
        const stars = el("span", undefined, "stars");
        for (let s = 1; s <= 5; s++) {
          const b = el("button", "★"); b.title = `${s} star${s > 1 ? "s" : ""}`; b.dataset.stars = String(s);
          b.addEventListener("click", () => rate(item, s)); stars.append(b);
        }
        li.append(stars);
      }
      return li;
    }));
  } catch (e) { showError(list, e); }
}
async function rate(item, stars) {
  const user = userId();
  try {
    await api(`/v1/users/${encodeURIComponent(user)}/ratings`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ item: item.item, rating: stars, source: "page" }) });
    await refreshYou();
  } catch (e) { showError($("you-recs"), e); }
}
async function refreshYou() {
  const user = userId();
  try {
    const stored = await api(`/v1/users/${encodeURIComponent(user)}/ratings`);
    $("you-ratings").replaceChildren(...stored.ratings.map((r) => el("li", `${"★".repeat(Math.round(r.rating))} ${r.item}`)));
    const model = youModel();
    const recs = await api(`/v1/users/${encodeURIComponent(user)}/recommendations?k=10&explain=${explainable(model) ? "true" : "false"}${model ? "&model=" + encodeURIComponent(model) : ""}`);
    $("you-recs").replaceChildren(...recs.recommendations.map((r) => {
      const li = el("li"); li.dataset.item = r.item;
      li.append(el("span", r.title), el("span", r.score.toFixed(3), "score"));
      if (r.because && r.because.length) li.append(el("div", "because you liked " + r.because.map((b) => b.title).join(", "), "because"));
      return li;
    }));
    const items = await Promise.all(stored.ratings.map((r) => api(`/v1/items?query=${encodeURIComponent(r.item)}&limit=1`).catch(() => null)));
    $("you-ratings").replaceChildren(...stored.ratings.map((r, n) => {
      const title = items[n] && items[n].items[0] && items[n].items[0].item === r.item ? items[n].items[0].title : r.item;
      return el("li", `${"★".repeat(Math.round(r.rating))} ${title}`);
    }));
  } catch (e) {
    if (e.code === "unknown_user") { $("you-ratings").replaceChildren(); $("you-recs").replaceChildren(el("li", "rate a few movies to get recommendations", "hint")); }
    else showError($("you-recs"), e);
  }
}
function explainable(name) {
  const m = state.models.find((x) => x.name === name) || state.models[0];
  return !!m && m.capabilities.includes("explain");
}
$("you-search").addEventListener("input", debounce(() => searchInto($("you-search").value, $("you-results"), () => {}, true), 150));
$("you-user").addEventListener("change", () => {
  if (!$("you-user").value.trim()) return;  // emptied: keep the current name until a new one is typed
  localStorage.setItem("recommender-user", userId());
  refreshYou();
});
$("you-model").addEventListener("change", refreshYou);

// ---------------------------------------------------------------------------------------------
// Explore: the data set's tables and charts for a genre and/or occupation (as the notebook's
// Altair selections); clicking a genre or occupation row selects it.
async function loadExplore() {
  const genre = $("explore-genre").value, occupation = $("explore-occupation").value;
  const params = new URLSearchParams();
  if (genre) params.set("genre", genre);
  if (occupation) params.set("occupation", occupation);
  try {
    const d = await api(`/v1/explore?${params}`);
    $("explore-note").textContent = `Data set ${d.dataset}: ${d.genres.length} genres${d.occupations.length ? `, ${d.occupations.length} occupations` : ", no user table (no occupation filter)"}.`;
    fillSelect($("explore-genre"), d.genres, "all genres", d.genre || "");
    fillSelect($("explore-occupation"), d.occupations, "all occupations", d.occupation || "");
    $("explore-occupation").disabled = d.occupations.length === 0;
    const subset = [d.genre, d.occupation].filter(Boolean).join(", ") || "everything";
    $("explore-summary").textContent = `Selection: ${subset} — ${d.users} users, ${d.items} movies, ${d.ratings} ratings`;
    $("explore-summary").dataset.selection = subset;
    table($("explore-top-count"), ["#", "title", "ratings", "mean"], d.top_by_count.map((r) => [r.rank, r.title, r.ratings, r.mean.toFixed(2)]));
    $("explore-min").textContent = `(more than ${d.min_ratings} ratings)`;
    table($("explore-top-mean"), ["#", "title", "ratings", "mean"], d.top_by_mean.map((r) => [r.rank, r.title, r.ratings, r.mean.toFixed(2)]));
    table($("explore-genres"), ["genre", "ratings"], d.ratings_per_genre.filter((r) => r.count > 0).map((r) => [r.name, r.count]), (row) => { $("explore-genre").value = row[0]; loadExplore(); }, d.genre);
    table($("explore-occupations"), ["occupation", "users"], d.users_by_occupation.map((r) => [r.name, r.count]), (row) => { $("explore-occupation").value = row[0]; loadExplore(); }, d.occupation);
    $("explore-occupations").parentElement.hidden = d.occupations.length === 0;
    $("explore-charts").replaceChildren(...d.charts.map((c) => {
      const figure = el("figure"); figure.dataset.chart = c.name;
      figure.innerHTML = c.svg;  // SVG produced by the server's RecommenderCharts (no script, escaped text)
      figure.append(el("figcaption", c.title));
      return figure;
    }));
  } catch (e) {
    $("explore-note").textContent = e.code === "no_data" ? "No data set: " + e.message.replace(/^no_data: /, "") : e.message;
    $("explore-note").classList.add("error");
  }
}
function fillSelect(select, names, allLabel, chosen) {
  const all = el("option", allLabel); all.value = "";
  select.replaceChildren(all, ...names.map((n) => { const o = el("option", n); o.value = n; return o; }));
  select.value = chosen;
}
function table(target, header, rows, onPick, selected) {
  const head = el("tr"); for (const h of header) head.append(el("th", h));
  target.replaceChildren(head, ...rows.map((row) => {
    const tr = el("tr"); for (const cell of row) tr.append(el("td", String(cell)));
    if (onPick) { tr.addEventListener("click", () => onPick(row)); tr.dataset.name = row[0]; if (row[0] === selected) tr.classList.add("selected"); }
    return tr;
  }));
}
$("explore-genre").addEventListener("change", loadExplore);
$("explore-occupation").addEventListener("change", loadExplore);
$("explore-clear").addEventListener("click", () => { $("explore-genre").value = ""; $("explore-occupation").value = ""; loadExplore(); });

// ---------------------------------------------------------------------------------------------
// Train: the catalog's hyper-parameter table drives the form; the run's per-step metrics arrive
// as server-sent events and grow one chart per metric (train_x and validation_x together).
async function loadTrain() {
  try {
    const [catalog, overview] = await Promise.all([state.algorithms.length ? { algorithms: state.algorithms } : api("/v1/algorithms"), api("/v1/training")]);
    state.algorithms = catalog.algorithms; state.limits = overview.limits;
    $("train-note").textContent = overview.data
      ? `Trains on the server's data (${overview.data_message}) plus the ratings store, ${overview.limits.threads} thread(s), one run at a time; at most ${overview.limits.max_steps} epochs/iterations and ${overview.limits.max_embedding_dim} dimensions from the page.`
      : "No data set: " + overview.data_message;
    $("train-start").disabled = !overview.data;
    const select = $("train-algorithm");
    if (!select.options.length) {
      select.replaceChildren(...state.algorithms.map((a) => { const o = el("option", `${a.name} (${a.task})`); o.value = a.name; return o; }));
      const preferred = ["svd", "mf", "ials"].find((n) => state.algorithms.some((a) => a.name === n));
      if (preferred) select.value = preferred;
      trainForm();
    }
    if (overview.running && !state.watching) watchRun(overview.running);
  } catch (e) { $("train-note").textContent = e.message; }
}
function cap(name) {
  const l = state.limits; if (!l) return null;
  if (l.step_parameters.includes(name)) return l.max_steps;
  if (l.dimension_parameters.includes(name)) return l.max_embedding_dim;
  if (name === "neighbours") return l.max_neighbours;
  return null;
}
function trainForm() {
  const algo = state.algorithms.find((a) => a.name === $("train-algorithm").value);
  if (!algo) return;
  $("train-summary").textContent = algo.summary;
  $("train-name").value = "trained-" + algo.name;
  $("train-params").replaceChildren(...algo.parameters.map((p) => {
    const label = el("label"); label.title = p.help;
    label.append(el("span", p.name + (p.symbol ? ` (${p.symbol})` : ""), "pname"));
    let input;
    const hasDefault = p.default !== undefined && p.default !== null;
    if (p.type === "choice") {
      input = el("select"); for (const c of p.choices) { const o = el("option", c); o.value = c; input.append(o); }
      if (hasDefault) input.value = p.default;
    } else if (p.type === "boolean") {
      input = el("input"); input.type = "checkbox"; input.checked = hasDefault && p.default === true;
    } else {
      input = el("input"); input.size = 8;
      if (p.type === "integer" || p.type === "number") {
        input.type = "number"; input.step = p.type === "integer" ? "1" : "any";
        const c = cap(p.name);
        if (p.minimum !== undefined) input.min = p.minimum;
        if (p.maximum !== undefined || c !== null) input.max = Math.min(p.maximum === undefined ? Infinity : p.maximum, c === null ? Infinity : c);
      }
      if (hasDefault) input.value = Array.isArray(p.default) ? p.default.join(",") : String(cap(p.name) !== null && p.default > cap(p.name) ? cap(p.name) : p.default);
      else input.placeholder = "auto";
    }
    input.dataset.param = p.name; input.dataset.type = p.type;
    input.dataset.initial = input.type === "checkbox" ? String(input.checked) : input.value;
    label.append(input, el("span", p.help, "phelp"));
    return label;
  }));
}
$("train-algorithm").addEventListener("change", trainForm);
function trainSettings() {
  const out = {};
  for (const input of $("train-params").querySelectorAll("[data-param]")) {
    const now = input.type === "checkbox" ? String(input.checked) : input.value.trim();
    if (now === input.dataset.initial && !(cap(input.dataset.param) !== null && now !== "")) continue;
    if (now === "") continue;
    const t = input.dataset.type;
    out[input.dataset.param] = t === "integer" ? parseInt(now, 10) : t === "number" ? parseFloat(now) : t === "boolean" ? input.checked
      : t === "integer list" ? now.split(",").map((x) => parseInt(x, 10)) : now;
  }
  return out;
}
$("train-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { algorithm: $("train-algorithm").value, name: $("train-name").value.trim() || undefined, hyperparameters: trainSettings() };
  const seed = parseInt($("train-seed").value, 10); if (Number.isFinite(seed) && seed >= 0) body.seed = seed;
  $("train-status").classList.remove("error");
  try {
    const run = await api("/v1/training", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    watchRun(run.id);
  } catch (e) { $("train-status").textContent = e.message; $("train-status").classList.add("error"); }
});
function watchRun(id) {
  state.watching = id;
  const series = new Map();  // metric name -> [[step, value]]
  $("train-charts").replaceChildren();
  $("train-start").disabled = true; $("train-use").disabled = true;
  $("train-status").textContent = `run ${id}: starting…`; $("train-status").dataset.state = "running";
  const source = new EventSource(`/v1/training/${encodeURIComponent(id)}/events`);
  source.addEventListener("progress", (message) => {
    const e = JSON.parse(message.data);
    for (const [name, value] of Object.entries(e.metrics)) { if (!series.has(name)) series.set(name, []); series.get(name).push([e.step, value]); }
    $("train-status").textContent = `run ${id}: ${e.unit} ${e.step} of ${e.step_count}, ${e.elapsed_seconds.toFixed(1)} s`;
    drawCurves(series, e.step_count, e.unit);
  });
  source.addEventListener("done", async (message) => {
    source.close(); state.watching = null;
    const d = JSON.parse(message.data);
    $("train-start").disabled = false;
    $("train-status").dataset.state = d.status;
    $("train-status").textContent = d.status === "succeeded" ? `done in ${(d.seconds || 0).toFixed(1)} s: ${d.message}` : `failed: ${d.message}`;
    $("train-status").classList.toggle("error", d.status !== "succeeded");
    if (d.status === "succeeded") { state.lastTrained = d.name; $("train-use").disabled = false; await loadModels(); }
  });
  source.onerror = () => { if (state.watching === id) $("train-status").textContent += " (connection lost, retrying)"; };
}
$("train-use").addEventListener("click", () => {
  if (!state.lastTrained) return;
  const select = $("you-model");
  if ([...select.options].some((o) => o.value === state.lastTrained)) { select.value = state.lastTrained; document.querySelector("#tab-you").click(); refreshYou(); }
  else $("train-status").textContent += " (this model cannot fold in your ratings; see it in Neighbours and Map)";
});
function family(name) { return name.replace(/^(train|training|validation|test)_/, ""); }
function drawCurves(series, stepCount, unit) {
  const families = new Map();
  for (const [name, points] of series) { const f = family(name); if (!families.has(f)) families.set(f, []); families.get(f).push([name, points]); }
  const charts = [];
  for (const [f, lines] of families) {
    const W = 420, H = 260, L = 56, R = 12, T = 24, B = 36;
    const all = lines.flatMap(([, p]) => p);
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
    const x0 = Math.min(0, ...xs), x1 = Math.max(stepCount || 1, ...xs);
    let y0 = Math.min(...ys), y1 = Math.max(...ys); if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.08; y0 -= pad; y1 += pad;
    const sx = (x) => L + (x - x0) / (x1 - x0 || 1) * (W - L - R), sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "curve" }); root.dataset.metric = f;
    root.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "#fff", stroke: "#ccc" }));
    const title = svg("text", { x: L, y: 16, "font-size": 13, "font-weight": "bold" }); title.textContent = f; root.append(title);
    for (let k = 0; k <= 4; k++) {
      const v = y0 + (y1 - y0) * k / 4, y = sy(v);
      root.append(svg("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#eee" }));
      const t = svg("text", { x: L - 4, y: y + 4, "font-size": 10, "text-anchor": "end" }); t.textContent = v.toPrecision(3); root.append(t);
    }
    const xl = svg("text", { x: (L + W - R) / 2, y: H - 6, "font-size": 11, "text-anchor": "middle" }); xl.textContent = unit; root.append(xl);
    for (const [k, v] of [[0, x0], [1, x1]]) { const t = svg("text", { x: sx(v), y: H - B + 14, "font-size": 10, "text-anchor": k ? "end" : "start" }); t.textContent = String(v); root.append(t); }
    lines.forEach(([name, points], n) => {
      const color = PALETTE[n % PALETTE.length];
      root.append(svg("polyline", { points: points.map(([x, y]) => `${sx(x)},${sy(y)}`).join(" "), fill: "none", stroke: color, "stroke-width": 2 }));
      for (const [x, y] of points) { const c = svg("circle", { cx: sx(x), cy: sy(y), r: 3, fill: color, class: "pt" }); const tt = svg("title"); tt.textContent = `${name} at ${unit} ${x}: ${fmt(y, 4)}`; c.append(tt); root.append(c); }
      const lg = svg("text", { x: W - R - 4, y: T + 14 + 14 * n, "font-size": 11, "text-anchor": "end", fill: color }); lg.textContent = name; root.append(lg);
    });
    charts.push(root);
  }
  $("train-charts").replaceChildren(...charts);
}

// ---------------------------------------------------------------------------------------------
// Neighbours: one title, two models side by side, each under cosine and dot.
let chosen = null;
async function neighbours() {
  if (!chosen) return;
  $("nb-chosen").textContent = `Nearest neighbours of ${chosen.title}`;
  await Promise.all(["a", "b"].flatMap((side) => ["cosine", "dot"].map(async (measure) => {
    const model = $(`nb-model-${side}`).value, list = $(`nb-${side}-${measure}`);
    if (!model) { list.replaceChildren(el("li", "no model with embeddings", "hint")); return; }
    try {
      const result = await api(`/v1/items/${encodeURIComponent(chosen.item)}/similar?k=10&measure=${measure}&model=${encodeURIComponent(model)}`);
      list.replaceChildren(...result.similar.map((r) => { const li = el("li", r.title); li.dataset.item = r.item; li.append(el("span", r.score.toFixed(3), "score")); return li; }));
    } catch (e) { showError(list, e); }
  })));
}
$("nb-search").addEventListener("input", debounce(() => searchInto($("nb-search").value, $("nb-results"), (item) => { chosen = item; neighbours(); }, false), 150));
for (const id of ["nb-model-a", "nb-model-b"]) $(id).addEventListener("change", neighbours);

// ---------------------------------------------------------------------------------------------
// Map: t-SNE of the item embeddings, coloured by genre; wheel or buttons zoom, drag pans, hover
// shows the title. Below: embedding norm against number of ratings.
const view = { x: 0, y: 0, w: 800, h: 560 };
function setView() { $("map-svg").setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`); }
function zoom(factor, cx, cy) {
  if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
  const w = Math.min(1600, Math.max(25, view.w * factor)), h = w * 560 / 800;
  view.x = cx - (cx - view.x) * (w / view.w); view.y = cy - (cy - view.y) * (h / view.h); view.w = w; view.h = h; setView();
}
$("map-zoom-in").addEventListener("click", () => zoom(0.7));
$("map-zoom-out").addEventListener("click", () => zoom(1 / 0.7));
$("map-reset").addEventListener("click", () => { Object.assign(view, { x: 0, y: 0, w: 800, h: 560 }); setView(); });
$("map-svg").addEventListener("wheel", (event) => {
  event.preventDefault();
  const r = $("map-svg").getBoundingClientRect();
  zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, view.x + (event.clientX - r.left) / r.width * view.w, view.y + (event.clientY - r.top) / r.height * view.h);
}, { passive: false });
let drag = null;
$("map-svg").addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y }; });
window.addEventListener("mouseup", () => { drag = null; });
$("map-svg").addEventListener("mousemove", (e) => {
  if (!drag) return;
  const r = $("map-svg").getBoundingClientRect();
  view.x = drag.vx - (e.clientX - drag.x) / r.width * view.w; view.y = drag.vy - (e.clientY - drag.y) / r.height * view.h; setView();
});
function hover(root, tip) {
  root.addEventListener("mouseover", (e) => {
    const t = e.target.closest && e.target.closest("[data-title]");
    if (!t) return;
    tip.textContent = t.dataset.title; tip.style.display = "block";
    const r = root.parentElement.getBoundingClientRect();
    tip.style.left = (e.clientX - r.left + 12) + "px"; tip.style.top = (e.clientY - r.top + 12) + "px";
  });
  root.addEventListener("mouseout", (e) => { if (e.target.dataset && e.target.dataset.title) tip.style.display = "none"; });
}
hover($("map-svg"), $("map-tip"));
hover($("norm-svg"), $("norm-tip"));
$("map-model").addEventListener("change", loadMap);
async function loadMap() {
  const model = $("map-model").value;
  if (!model) { $("map-note").textContent = "no served model has item embeddings"; return; }
  $("map-note").textContent = `computing the t-SNE map of ${model}… (once per model version)`;
  $("map-note").classList.remove("error");
  try {
    const m = await api(`/v1/models/${encodeURIComponent(model)}/map`);
    if ($("map-model").value !== model) return;
    $("map-note").textContent = `${m.points.length} movies of ${m.model} (${m.kind}, version ${m.model_version}): t-SNE perplexity ${fmt(m.perplexity, 1)}, ${m.iterations} iterations, KL ${m.kl_divergence.toFixed(3)}, ${m.seconds.toFixed(1)} s${m.cached ? " (cached)" : ""}. Colour: one genre per movie (the 9 largest coloured).`;
    const colour = new Map(m.genres.slice(0, PALETTE.length).map((g, k) => [g, PALETTE[k]]));
    drawMap(m, colour);
    drawNorms(m, colour);
    $("map-legend").replaceChildren(...[...colour].map(([g, c]) => { const s = el("span", g, "key"); s.style.setProperty("--c", c); return s; }), ...(m.genres.length > PALETTE.length ? [(() => { const s = el("span", "other", "key"); s.style.setProperty("--c", GREY); return s; })()] : []));
  } catch (e) { $("map-note").textContent = e.message; $("map-note").classList.add("error"); $("map-svg").replaceChildren(); $("norm-svg").replaceChildren(); }
}
function drawMap(m, colour) {
  const xs = m.points.map((p) => p.x), ys = m.points.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => 20 + (x - x0) / (x1 - x0 || 1) * 760, sy = (y) => 20 + (1 - (y - y0) / (y1 - y0 || 1)) * 520;
  const root = $("map-svg");
  const group = svg("g");
  for (const p of m.points) {
    const c = svg("circle", { cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 3.2, fill: colour.get(p.genre) || GREY, "fill-opacity": 0.8, class: "pt" });
    c.dataset.title = `${p.title} — ${p.genres.join(", ") || "no genre"}`; c.dataset.item = p.item;
    const t = svg("title"); t.textContent = c.dataset.title; c.append(t);
    group.append(c);
  }
  root.replaceChildren(svg("rect", { x: -2000, y: -2000, width: 5000, height: 5000, fill: "#fff" }), group);
  Object.assign(view, { x: 0, y: 0, w: 800, h: 560 }); setView();
}
function drawNorms(m, colour) {
  const W = 800, H = 380, L = 60, R = 16, T = 16, B = 40;
  const lx = (v) => Math.log10(v + 1);
  const xs = m.points.map((p) => lx(p.ratings)), ys = m.points.map((p) => p.norm);
  const x1 = Math.max(1, ...xs), y1 = Math.max(...ys) || 1;
  const sx = (x) => L + x / x1 * (W - L - R), sy = (y) => T + (1 - y / y1) * (H - T - B);
  const root = $("norm-svg");
  const parts = [svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "#fff", stroke: "#ccc" })];
  for (let k = 0; Math.pow(10, k) - 1 <= Math.pow(10, x1); k++) {
    const x = sx(k); if (x > W - R) break;
    parts.push(svg("line", { x1: x, x2: x, y1: T, y2: H - B, stroke: "#eee" }));
    const t = svg("text", { x, y: H - B + 14, "font-size": 10, "text-anchor": "middle" }); t.textContent = String(Math.pow(10, k) - (k ? 0 : 0)); parts.push(t);
  }
  for (let k = 0; k <= 4; k++) { const y = sy(y1 * k / 4); const t = svg("text", { x: L - 4, y: y + 4, "font-size": 10, "text-anchor": "end" }); t.textContent = (y1 * k / 4).toPrecision(3); parts.push(t); }
  const xl = svg("text", { x: (L + W) / 2, y: H - 6, "font-size": 11, "text-anchor": "middle" }); xl.textContent = "number of training ratings (log scale)"; parts.push(xl);
  const yl = svg("text", { x: 12, y: (T + H - B) / 2, "font-size": 11, "text-anchor": "middle", transform: `rotate(-90 12 ${(T + H - B) / 2})` }); yl.textContent = "embedding norm"; parts.push(yl);
  for (const p of m.points) {
    const c = svg("circle", { cx: sx(lx(p.ratings)).toFixed(1), cy: sy(p.norm).toFixed(1), r: 2.6, fill: colour.get(p.genre) || GREY, "fill-opacity": 0.7, class: "pt" });
    c.dataset.title = `${p.title}: norm ${p.norm.toFixed(3)}, ${p.ratings} ratings`;
    const t = svg("title"); t.textContent = c.dataset.title; c.append(t);
    parts.push(c);
  }
  root.replaceChildren(...parts);
}

// ---------------------------------------------------------------------------------------------
// Models: what is served (command line and trained from the page), reload, retrain.
async function loadModels() {
  try {
    const result = await api("/v1/models");
    state.models = result.models;
    const rows = result.models.map((m) => {
      const tr = el("tr"); tr.dataset.model = m.name;
      const metrics = Object.entries(m.metrics).slice(0, 3).map(([k, v]) => `${k} ${Number(v).toFixed(4)}`).join(", ");
      for (const text of [m.name, m.algorithm || m.kind, String(m.version), `${m.data.users} × ${m.data.items}`, m.trained_at || "", metrics]) tr.append(el("td", text));
      const td = el("td"); const reload = el("button", "reload");
      reload.addEventListener("click", async () => { try { await api(`/v1/models/${encodeURIComponent(m.name)}/reload`, { method: "POST" }); loadModels(); } catch (e) { $("models-note").textContent = e.message; } });
      const retrain = el("button", "retrain");
      retrain.addEventListener("click", async () => { try { await api(`/v1/models/${encodeURIComponent(m.name)}/retrain`, { method: "POST" }); $("models-note").textContent = "retraining started"; setTimeout(loadModels, 1000); } catch (e) { $("models-note").textContent = e.message; } });
      td.append(reload, retrain); tr.append(td);
      if (m.last_failure) tr.title = m.last_failure.message;
      return tr;
    });
    document.querySelector("#models-table tbody").replaceChildren(...rows);
    const embedded = result.models.filter((m) => m.capabilities.includes("similar")).map((m) => m.name);
    const folding = result.models.filter((m) => m.capabilities.includes("fold_in")).map((m) => m.name);
    modelSelect($("nb-model-a"), embedded, 0); modelSelect($("nb-model-b"), embedded, 1);
    modelSelect($("map-model"), embedded, 0); modelSelect($("you-model"), folding, 0);
  } catch (e) { $("models-note").textContent = e.message; }
}
function modelSelect(select, names, preferredIndex) {
  const previous = select.value;
  select.replaceChildren(...names.map((n) => { const o = el("option", n); o.value = n; return o; }));
  if (previous && names.includes(previous)) select.value = previous;
  else if (names.length > preferredIndex) select.selectedIndex = preferredIndex;
}

(async () => {
  try { await api("/healthz"); $("status").textContent = "connected"; } catch (e) { $("status").textContent = "server unreachable"; }
  const saved = localStorage.getItem("recommender-user");
  $("you-user").value = saved || "";
  $("you-user").value = userId();
  localStorage.setItem("recommender-user", userId());
  await loadModels();
  await refreshYou();
  document.body.dataset.ready = "true";
})();
