"use strict";
// The page of `recommender serve`: plain JavaScript over the /v1 JSON API (no build step, no CDN).
const $ = (id) => document.getElementById(id);
const state = { models: [], user: null };

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : response.statusText);
  return body;
}
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; }
function showError(target, error) { target.replaceChildren(el("li", String(error.message || error), "error")); }

for (const button of document.querySelectorAll("nav button")) {
  button.addEventListener("click", () => {
    for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b === button);
    for (const p of document.querySelectorAll(".panel")) p.classList.toggle("active", p.id === "panel-" + button.dataset.panel);
    if (button.dataset.panel === "models") loadModels();
  });
}

// You: search, rate with stars, recommendations with "because you liked".
function userId() {
  let id = $("you-user").value.trim();
  if (!id) { id = "web-" + Math.random().toString(36).slice(2, 8); $("you-user").value = id; }
  return id;
}
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
    const titles = new Map();
    $("you-ratings").replaceChildren(...stored.ratings.map((r) => el("li", `${"★".repeat(Math.round(r.rating))} ${r.item}`)));
    const recs = await api(`/v1/users/${encodeURIComponent(user)}/recommendations?k=10&explain=${explainable() ? "true" : "false"}`);
    for (const r of recs.recommendations) titles.set(r.item, r.title);
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
  } catch (e) { if (!String(e.message).startsWith("unknown_user")) showError($("you-recs"), e); }
}
function explainable() { return state.models.length > 0 && state.models[0].capabilities.includes("explain"); }
$("you-search").addEventListener("input", debounce(() => searchInto($("you-search").value, $("you-results"), () => {}, true), 150));
$("you-user").addEventListener("change", refreshYou);

// Neighbours: two models side by side.
let chosen = null;
async function neighbours() {
  if (!chosen) return;
  $("nb-chosen").textContent = `Nearest neighbours of ${chosen.title}`;
  for (const side of ["a", "b"]) {
    const model = $(`nb-model-${side}`).value, measure = $(`nb-measure-${side}`).value, list = $(`nb-${side}`);
    try {
      const result = await api(`/v1/items/${encodeURIComponent(chosen.item)}/similar?k=10&measure=${measure}&model=${encodeURIComponent(model)}`);
      list.replaceChildren(...result.similar.map((r) => { const li = el("li", r.title); li.append(el("span", r.score.toFixed(3), "score")); return li; }));
    } catch (e) { showError(list, e); }
  }
}
$("nb-search").addEventListener("input", debounce(() => searchInto($("nb-search").value, $("nb-results"), (item) => { chosen = item; neighbours(); }, false), 150));
for (const id of ["nb-model-a", "nb-model-b", "nb-measure-a", "nb-measure-b"]) $(id).addEventListener("change", neighbours);

// Models: what is served, reload, retrain.
async function loadModels() {
  try {
    const result = await api("/v1/models");
    state.models = result.models;
    const rows = result.models.map((m) => {
      const tr = el("tr");
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
    for (const side of ["a", "b"]) {
      const select = $(`nb-model-${side}`), previous = select.value;
      select.replaceChildren(...result.models.filter((m) => m.capabilities.includes("similar")).map((m) => { const o = el("option", m.name); o.value = m.name; return o; }));
      if (previous) select.value = previous; else if (side === "b" && select.options.length > 1) select.selectedIndex = 1;
    }
  } catch (e) { $("models-note").textContent = e.message; }
}

(async () => {
  try { await api("/healthz"); $("status").textContent = "connected"; } catch (e) { $("status").textContent = "server unreachable"; }
  const saved = localStorage.getItem("recommender-user");
  $("you-user").value = saved || "";
  userId();
  $("you-user").addEventListener("change", () => localStorage.setItem("recommender-user", $("you-user").value));
  localStorage.setItem("recommender-user", $("you-user").value);
  await loadModels();
  await refreshYou();
})();
