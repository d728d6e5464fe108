// The page of `rscript serve`: the gallery, renders, jobs and frame renders, live from the REST
// API (/api/v1) and its event stream. Plain JavaScript, no build step, no libraries: it ships
// inside the binary and runs on machines without internet.
//
// Views are hash routes (#/gallery, #/render/12, #/jobs, #/job/5, #/frames, #/frames/3). Each
// view is a function that fills <main> and returns {event(type, data), destroy()}; one
// EventSource feeds the current view. Lists are paged (`next`), images load lazily, so the page
// stays light with thousands of renders and jobs.
"use strict";

// ---------------------------------------------------------------------------------------------
// Token: `#token=...` (or `?token=...`) as `rscript serve` prints it. Kept for the tab's life in
// sessionStorage and removed from the address bar, so it is not in screenshots or history. Sent
// as `Authorization: Bearer` on fetch, and set as the `rscript_token` cookie (session, this site
// only) for what cannot send headers: <img> and EventSource (which also gets `?token=`).

const TOKEN = (() => {
  const find = (text) => {
    const m = /(?:^|[?&#/])token=([^&#]*)/.exec(text);
    return m ? decodeURIComponent(m[1]) : null;
  };
  let token = find(location.hash) || find(location.search);
  try {
    if (token) sessionStorage.setItem("rscript-token", token);
    else token = sessionStorage.getItem("rscript-token");
  } catch (_) { /* storage disabled: the token lives as long as the page */ }
  if (find(location.hash) || find(location.search)) {
    const hash = location.hash.replace(/[?&#]?token=[^&#]*/, "").replace(/^#?$/, "");
    history.replaceState(null, "", location.pathname + (hash.startsWith("#") ? hash : "#/gallery"));
  }
  if (token) {
    const value = /^[A-Za-z0-9._~-]+$/.test(token) ? token : encodeURIComponent(token);
    document.cookie = `rscript_token=${value}; path=/; SameSite=Strict`;
  }
  return token || null;
})();

function authHeaders(extra) {
  const headers = Object.assign({}, extra || {});
  if (TOKEN) headers.Authorization = "Bearer " + TOKEN;
  return headers;
}

class HTTPError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function request(path, options) {
  const response = await fetch(path, Object.assign({ headers: authHeaders() }, options || {}));
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { const body = await response.json(); if (body && body.error) message = body.error; } catch (_) { /* not JSON */ }
    throw new HTTPError(response.status, message);
  }
  return response;
}

const getJSON = async (path) => (await request(path)).json();
const getText = async (path) => (await request(path)).text();
const postJSON = async (path, body) => (await request(path, {
  method: "POST",
  headers: authHeaders({ "Content-Type": "application/json" }),
  body: JSON.stringify(body || {}),
})).json();

// Images are plain <img> elements (the token, if any, is in the cookie): lazy where a list
// shows them, so a gallery of 1,000 renders fetches only the thumbnails on screen.
function setImage(img, url, lazy) {
  if (lazy) img.loading = "lazy";
  img.src = url;
}

// ---------------------------------------------------------------------------------------------
// Small DOM and formatting helpers.

function h(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function placeholder(text) { return h("div", { class: "placeholder" }, text); }

/// A table's head; the numeric columns are right-aligned like their cells.
function header(columns, numeric) {
  return h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: numeric.includes(c) ? "num" : null }, c))));
}

function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
  return Math.floor(s / 3600) + "h " + String(Math.floor(s / 60) % 60).padStart(2, "0") + "m";
}

function formatTime(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  if (isNaN(date)) return iso;
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

function formatBytes(bytes) {
  if (typeof bytes !== "number") return "–";
  if (bytes >= 1024 ** 3) return (bytes / 1024 ** 3).toFixed(2) + " GB";
  return (bytes / 1024 ** 2).toFixed(1) + " MB";
}

function formatPercent(value) {
  return typeof value === "number" ? (Math.round(value * 10) / 10).toFixed(1) + "%" : "–";
}

function formatValue(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function stateBadge(state) {
  return h("span", { class: "state state-" + String(state).toLowerCase() }, String(state).toLowerCase());
}

function progressBar(fraction, label) {
  const percent = Math.max(0, Math.min(100, (fraction || 0) * 100));
  const bar = h("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
    "aria-valuenow": percent.toFixed(1), "aria-label": label || "progress" }, h("span"));
  bar.firstChild.style.width = percent + "%";
  return bar;
}

function setProgress(bar, fraction) {
  const percent = Math.max(0, Math.min(100, (fraction || 0) * 100));
  bar.setAttribute("aria-valuenow", percent.toFixed(1));
  bar.firstChild.style.width = percent + "%";
}

/// A clock for things still running: the server's duration plus the time since it was read,
/// so a wrong clock in the browser does not matter.
class Elapsed {
  constructor() { this.items = new Map(); this.timer = setInterval(() => this.tick(), 1000); }
  set(key, node, duration, running) {
    this.items.set(key, { node, duration, running, at: performance.now() });
    node.textContent = formatDuration(duration);
  }
  tick() {
    for (const [key, item] of this.items) {
      if (!item.node.isConnected) { this.items.delete(key); continue; }
      if (item.running) item.node.textContent = formatDuration(item.duration + (performance.now() - item.at) / 1000);
    }
  }
  stop() { clearInterval(this.timer); this.items.clear(); }
}

/// Calls `fn` at most once per `ms`, the last call winning (log refreshes on a chatty stream).
function throttle(fn, ms) {
  let timer = null, pending = false;
  return function run() {
    if (timer) { pending = true; return; }
    fn();
    timer = setTimeout(() => { timer = null; if (pending) { pending = false; run(); } }, ms);
  };
}

function errorBox(error) {
  return h("div", { class: "notice error", role: "alert" }, String(error && error.message || error));
}

function pageTitle(...parts) { document.title = parts.concat("rscript").join(" · "); }

/// A log as a terminal shows it: a progress line rewritten with carriage returns (POV-Ray's
/// `Rendered N of M pixels`) shows its last state only.
function terminalText(text) {
  if (!text.includes("\r")) return text;
  return text.split("\n").map((line) => {
    const parts = line.split("\r").filter((part) => part !== "");
    return parts.length ? parts[parts.length - 1] : "";
  }).join("\n");
}

/// A log <pre> that keeps following the end unless the reader scrolled up.
function logView(label) {
  const pre = h("pre", { class: "log", tabindex: "0", "aria-label": label, "aria-live": "off" });
  return {
    node: pre,
    set(raw) {
      const text = terminalText(raw);
      const atEnd = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
      if (pre.textContent !== text) pre.textContent = text;
      if (atEnd) pre.scrollTop = pre.scrollHeight;
    },
  };
}

/// A "Load more" footer for a paged list: calls `load(before)` and keeps `next`.
function pager(load) {
  const button = h("button", { class: "more", type: "button" }, "Load more");
  const pagerState = { next: null, busy: false };
  button.addEventListener("click", async () => {
    if (pagerState.busy || pagerState.next === null) return;
    pagerState.busy = true;
    button.disabled = true;
    try { await load(pagerState.next); } finally { pagerState.busy = false; button.disabled = false; update(); }
  });
  function update() { button.hidden = pagerState.next === null || pagerState.next === undefined; }
  return {
    node: button,
    set next(value) { pagerState.next = value; update(); },
    get next() { return pagerState.next; },
  };
}

// ---------------------------------------------------------------------------------------------
// Gallery: the renders, newest first.

const PAGE_SIZE = 48;
const EAGER_CARDS = 8;

function galleryView(main, query) {
  const elapsed = new Elapsed();
  const cards = new Map();  // id -> {node, parts}
  const filters = { state: query.get("state") || "", label: query.get("label") || "" };
  let newest = 0;
  const grid = h("div", { class: "grid", role: "list", "aria-label": "Renders" });
  const count = h("span", { class: "count" });
  const more = pager((before) => load(before));
  const stateSelect = h("select", { "aria-label": "State", onchange: applyFilters },
    ["", "rendering", "finished", "failed", "stopped"].map((s) => h("option", { value: s, selected: s === filters.state }, s || "any state")));
  const labelInput = h("input", { type: "search", placeholder: "label", "aria-label": "Label", value: filters.label,
    onchange: applyFilters });
  main.replaceChildren(
    h("div", { class: "toolbar" }, h("h1", {}, "Gallery"), count, h("span", { class: "grow" }), stateSelect, labelInput),
    grid, more.node);
  pageTitle("Gallery");

  function applyFilters() {
    const params = new URLSearchParams();
    if (stateSelect.value) params.set("state", stateSelect.value);
    if (labelInput.value) params.set("label", labelInput.value);
    location.hash = "#/gallery" + (params.toString() ? "?" + params : "");
  }

  function matches(render) {
    return (!filters.state || render.state === filters.state)
      && (!filters.label || String(render.label).toLowerCase().includes(filters.label.toLowerCase()));
  }

  function makeCard(render) {
    const img = h("img", { alt: "", decoding: "async", class: "thumb-img" });
    const thumb = h("div", { class: "thumb" });
    const parts = {
      img, thumb,
      label: h("span", { class: "label" }),
      state: h("span"),
      percent: h("span", { class: "percent", title: "percentDone" }),
      bar: progressBar(0, "percent done"),
      elapsed: h("span", { class: "elapsed", title: "elapsed" }),
      memory: h("span", { class: "memory", title: "peak memory" }),
      thumbURL: null,
    };
    const node = h("a", { class: "card", href: "#/render/" + render.id, role: "listitem", "data-id": render.id },
      thumb,
      h("div", { class: "card-body" },
        h("div", { class: "card-title" }, parts.label, parts.state),
        parts.bar,
        h("div", { class: "card-stats" }, parts.percent, parts.elapsed, parts.memory)));
    const card = { node, parts };
    updateCard(card, render);
    return card;
  }

  function updateCard(card, render) {
    const p = card.parts;
    const metadata = render.metadata || {};
    p.label.textContent = render.label;
    p.label.title = render.scene || render.label;
    p.state.replaceChildren(stateBadge(render.state));
    const percent = typeof metadata.percentDone === "number" ? metadata.percentDone : (render.state === "finished" ? 100 : null);
    p.percent.textContent = formatPercent(percent);
    setProgress(p.bar, (percent || 0) / 100);
    p.bar.classList.toggle("done", render.state !== "rendering");
    elapsed.set(render.id, p.elapsed, render.duration, render.state === "rendering");
    p.memory.textContent = formatBytes(metadata.peakMemory);
    card.node.setAttribute("aria-label", `${render.label}, ${render.state}, ${formatPercent(percent)}`);
    card.node.dataset.state = render.state;
    setThumbnail(card, render.thumbnail);
  }

  function setThumbnail(card, url) {
    const p = card.parts;
    if (!url) {
      if (!p.thumb.firstChild) p.thumb.append(placeholder("no image yet"));
      return;
    }
    if (url === p.thumbURL) return;
    p.thumbURL = url;
    if (p.img.isConnected) {
      // A new version: load it aside and swap, so the card does not flash empty.
      const next = new Image();
      next.decoding = "async";
      next.onload = () => { p.img.src = next.src; };
      setImage(next, url, false);
    } else {
      p.img.addEventListener("load", thumbnailLoaded, { once: true });
      // The first cards are on screen in any window: fetched at once, not after the lazy
      // loader's layout pass (the page-load benchmark's first thumbnail).
      const early = cards.size < EAGER_CARDS;
      if (early) p.img.fetchPriority = "high";
      setImage(p.img, url, !early);
      p.thumb.replaceChildren(p.img);
    }
  }

  function add(render, atTop) {
    if (cards.has(render.id)) return;
    const card = makeCard(render);
    cards.set(render.id, card);
    if (atTop) grid.prepend(card.node); else grid.append(card.node);
    newest = Math.max(newest, render.id);
  }

  let total = 0;
  function showCount() { count.textContent = total === 1 ? "1 render" : total + " renders"; }

  async function load(before) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filters.state) params.set("state", filters.state);
    if (filters.label) params.set("label", filters.label);
    if (before !== undefined) params.set("before", String(before));
    try {
      const page = await getJSON("/api/v1/renders?" + params);
      for (const render of page.renders) add(render, false);
      if (before === undefined && performance.mark) performance.mark("rscript-gallery-shown");
      total = page.total;
      showCount();
      more.next = page.next;
      if (!cards.size) grid.replaceChildren(placeholder("No renders yet. Start one with `rscript render SCENE`."));
    } catch (error) {
      if (main.contains(more.node)) main.append(errorBox(error));  // unless another view replaced this one
    }
  }
  load();

  return {
    event(type, data) {
      if (type === "render") {
        const card = cards.get(data.id);
        if (card) updateCard(card, data);
        else if (data.id > newest && matches(data)) {
          if (!cards.size) grid.replaceChildren();
          add(data, true);
          total += 1;
          showCount();
        }
      } else if (type === "image") {
        const card = cards.get(data.render);
        if (card && data.thumbnail) setThumbnail(card, data.thumbnail);
      }
    },
    destroy() { elapsed.stop(); },
  };
}

/// The first thumbnail's load, as performance.now() (ms since navigation start): the page-load
/// benchmark reads it (docs/benchmarks.md).
function thumbnailLoaded() {
  if (window.rscriptFirstThumbnail === undefined) {
    window.rscriptFirstThumbnail = performance.now();
    if (performance.mark) performance.mark("rscript-first-thumbnail");
  }
}

// ---------------------------------------------------------------------------------------------
// One render: the large image (click to focus the renderer there), metadata, stop, log tail.

function renderView(main, id) {
  const elapsed = new Elapsed();
  let render = null;
  let imageVersion = 0;
  const title = h("h1", {}, "Render " + id);
  const state = h("span");
  const stop = h("button", { type: "button", class: "danger", onclick: stopRender }, "Stop");
  const message = h("div", { class: "message", role: "status", "aria-live": "polite" });
  const img = h("img", { class: "large", alt: "The render's latest image. Click to render there first." });
  const marker = h("span", { class: "marker", hidden: true, "aria-hidden": "true" });
  const frame = h("div", { class: "image-frame" }, placeholder("no image yet"));
  const hint = h("p", { class: "hint" });
  const metadataBody = h("tbody");
  const details = h("tbody");
  const images = h("ol", { class: "history", reversed: true });
  const failure = h("div");
  const log = logView("The render's log");
  main.replaceChildren(
    h("div", { class: "toolbar" }, h("a", { href: "#/gallery", class: "back" }, "← Gallery"), title, state,
      h("span", { class: "grow" }), stop),
    message,
    h("div", { class: "render-layout" },
      h("section", { class: "render-image", "aria-label": "Image" }, frame, hint),
      h("section", { class: "render-side" },
        h("h2", {}, "Metadata"), h("table", { class: "kv", "aria-label": "Metadata" }, metadataBody),
        h("h2", {}, "Render"), h("table", { class: "kv", "aria-label": "Render" }, details),
        failure,
        h("h2", {}, "Images"), images)),
    h("section", { "aria-label": "Log" }, h("h2", {}, "Log (last 200 lines)"), log.node));
  pageTitle("Render " + id);

  img.addEventListener("click", click);
  // Small renders are shown scaled up to the frame's width, tall ones at most 75% of the window
  // high; the box is the image's own, so a click maps straight to 0..1.
  img.addEventListener("load", () => {
    const box = img.parentElement;
    if (box && img.naturalHeight) box.style.width = `min(100%, calc(75vh * ${img.naturalWidth / img.naturalHeight}))`;
  });

  function click(event) {
    const box = img.getBoundingClientRect();
    send(Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
      Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)));
  }

  // From the keyboard: the arrow keys move the marker (a twentieth of the image a step), Enter
  // or Space clicks there.
  const cursor = { x: 0.5, y: 0.5 };
  img.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (step) {
      cursor.x = Math.min(1, Math.max(0, cursor.x + step[0] / 20));
      cursor.y = Math.min(1, Math.max(0, cursor.y + step[1] / 20));
      showMarker(cursor.x, cursor.y);
    } else if (event.key === "Enter" || event.key === " ") {
      send(cursor.x, cursor.y);
    } else return;
    event.preventDefault();
  });

  function showMarker(x, y) {
    marker.style.left = (x * 100) + "%";
    marker.style.top = (y * 100) + "%";
    marker.hidden = false;
  }

  async function send(x, y) {
    if (!render || render.state !== "rendering") return;
    cursor.x = x;
    cursor.y = y;
    showMarker(x, y);
    try {
      await postJSON(`/api/v1/renders/${id}/click`, { x, y });
      message.textContent = `Clicked at ${x.toFixed(3)}, ${y.toFixed(3)}: the renderer renders there first.`;
    } catch (error) {
      message.textContent = "Click not sent: " + error.message;
    }
  }

  async function stopRender() {
    stop.disabled = true;
    try {
      await postJSON(`/api/v1/renders/${id}/stop`);
      message.textContent = "Stop sent.";
    } catch (error) {
      message.textContent = "Could not stop: " + error.message;
      stop.disabled = !render || render.state !== "rendering";
    }
  }

  function row(key, value) {
    return h("tr", {}, h("th", { scope: "row" }, key), h("td", {}, value));
  }

  function addImages(history, entries) {
    const all = history.slice();
    for (const entry of entries) {
      if (!all.some((seen) => seen.path === entry.path && seen.time === entry.time)) all.push(entry);
    }
    return all;
  }

  function showImage(url) {
    if (!url) return;
    imageVersion += 1;
    const src = url + (url.includes("?") ? "&" : "?") + "t=" + imageVersion + "-" + Date.now();
    if (!img.isConnected) {
      setImage(img, src, false);
      frame.replaceChildren(h("div", { class: "image-box" }, img, marker));
      return;
    }
    const next = new Image();
    next.onload = () => { img.src = next.src; marker.hidden = true; };
    setImage(next, src, false);
  }

  function update(data) {
    const hadImage = render && render.image;
    const previous = render;
    render = Object.assign({}, render || {}, data);
    // A list-form event carries the latest image only: add it to the history already read.
    if (previous && previous.imagePaths && data.imagePaths) render.imagePaths = addImages(previous.imagePaths, data.imagePaths);
    title.textContent = render.label + " #" + render.id;
    pageTitle(render.label, "Render " + id);
    state.replaceChildren(stateBadge(render.state), render.orphaned ? h("span", { class: "state state-failed" }, "orphaned") : "");
    const running = render.state === "rendering";
    stop.disabled = !running;
    hint.textContent = running ? "Click the image (or focus it, move with the arrow keys, press Enter): the renderer renders there first." : "";
    img.classList.toggle("clickable", running);
    if (running) img.tabIndex = 0; else img.removeAttribute("tabindex");
    const metadata = render.metadata || {};
    const keys = Object.keys(metadata).sort();
    metadataBody.replaceChildren(...(keys.length ? keys.map((key) => {
      const value = metadata[key];
      const shown = key === "peakMemory" ? `${formatBytes(value)} (${value})` : key === "percentDone" ? formatPercent(value) : formatValue(value);
      return h("tr", { "data-key": key }, h("th", { scope: "row" }, key), h("td", {}, shown));
    }) : [row("–", "no metadata yet")]));
    const duration = h("span");
    details.replaceChildren(
      row("renderer", render.renderer), row("scene", render.scene), row("state", render.state),
      row("started", formatTime(render.startedAt)), row("ended", formatTime(render.endedAt)),
      row("elapsed", duration), row("pid", formatValue(render.pid)),
      row("options", formatValue(render.options)), row("workDir", formatValue(render.workDir)),
      row("log", formatValue(render.logPath)));
    elapsed.set("render", duration, render.duration, running);
    if (render.error) {
      failure.replaceChildren(h("h2", {}, "Error"), h("pre", { class: "error-text" }, render.error.message),
        render.error.traceback ? h("pre", { class: "traceback" }, render.error.traceback) : "");
    } else failure.replaceChildren();
    const paths = render.imagePaths || [];
    images.replaceChildren(...paths.slice().reverse().map((entry) =>
      h("li", { title: entry.path }, entry.path.split("/").pop(), " ", h("time", { datetime: entry.time }, formatTime(entry.time)))));
    if (render.image && !hadImage) showImage(render.image);
  }

  const refreshLog = throttle(async () => {
    if (!render || !render.logPath) return;
    try { log.set(await getText(`/api/v1/renders/${id}/log?tail=200`)); } catch (_) { /* shown on the next event */ }
  }, 500);

  (async () => {
    try {
      update(await getJSON("/api/v1/renders/" + id));
      refreshLog();
    } catch (error) {
      main.replaceChildren(h("div", { class: "toolbar" }, h("a", { href: "#/gallery", class: "back" }, "← Gallery")), errorBox(error));
    }
  })();

  return {
    event(type, data) {
      if (!render) return;
      if (type === "render" && data.id === render.id) {
        update(data);
        if (render.state !== "rendering") refreshLog();
      } else if (type === "image" && data.render === render.id) {
        render.imagePaths = addImages(render.imagePaths || [], [{ path: data.path, time: data.time }]);
        render.image = data.image || render.image || `/api/v1/renders/${id}/image`;
        update({});
        showImage(render.image);
      } else if (type === "log" && data.kind === "render" && data.id === render.id) {
        refreshLog();
      }
    },
    destroy() { elapsed.stop(); },
  };
}

// ---------------------------------------------------------------------------------------------
// Jobs: the queue, newest first; one job with its log, error, kill and retry.

const JOB_STATES = ["QUEUED", "ACTIVE", "COMPLETED", "DROPPED", "KILLED", "TIMED_OUT"];
const ENDED = new Set(["COMPLETED", "DROPPED", "KILLED", "TIMED_OUT"]);
const RETRYABLE = new Set(["DROPPED", "KILLED", "TIMED_OUT"]);

function jobsView(main, query) {
  const elapsed = new Elapsed();
  const rows = new Map();
  const filters = { state: query.get("state") || "", name: query.get("name") || "" };
  let newest = 0, total = 0;
  const body = h("tbody");
  const count = h("span", { class: "count" });
  const more = pager((before) => load(before));
  const stateSelect = h("select", { "aria-label": "State", onchange: applyFilters },
    [""].concat(JOB_STATES).map((s) => h("option", { value: s, selected: s === filters.state }, s || "any state")));
  const nameInput = h("input", { type: "search", placeholder: "name", "aria-label": "Name", value: filters.name, onchange: applyFilters });
  main.replaceChildren(
    h("div", { class: "toolbar" }, h("h1", {}, "Jobs"), count, h("span", { class: "grow" }), stateSelect, nameInput),
    h("table", { class: "list", "aria-label": "Jobs" },
      header(["id", "name", "state", "progress", "attempts", "duration", "created"], ["id", "attempts", "duration"]),
      body),
    more.node);
  pageTitle("Jobs");

  function applyFilters() {
    const params = new URLSearchParams();
    if (stateSelect.value) params.set("state", stateSelect.value);
    if (nameInput.value) params.set("name", nameInput.value);
    location.hash = "#/jobs" + (params.toString() ? "?" + params : "");
  }

  function makeRow(job) {
    const cells = { state: h("td"), bar: progressBar(0, "job progress"), message: h("span", { class: "muted" }),
      attempts: h("td", { class: "num" }), duration: h("td", { class: "num" }) };
    const node = h("tr", { "data-id": job.id },
      h("td", { class: "num" }, h("a", { href: "#/job/" + job.id }, String(job.id))),
      h("td", {}, h("a", { href: "#/job/" + job.id }, job.name)),
      cells.state,
      h("td", { class: "progress-cell" }, cells.bar, cells.message),
      cells.attempts, cells.duration,
      h("td", {}, formatTime(job.createdAt)));
    const row = { node, cells };
    updateRow(row, job);
    return row;
  }

  function updateRow(row, job) {
    const c = row.cells;
    c.state.replaceChildren(stateBadge(job.state));
    setProgress(c.bar, job.state === "COMPLETED" ? 1 : job.progress);
    c.message.textContent = job.progressMessage || "";
    c.attempts.textContent = `${job.attempts}/${job.maxAttempts}`;
    elapsed.set(job.id, c.duration, job.duration, job.state === "ACTIVE");
    row.node.dataset.state = job.state;
  }

  function matches(job) {
    return (!filters.state || job.state === filters.state)
      && (!filters.name || String(job.name).toLowerCase().includes(filters.name.toLowerCase()));
  }

  function add(job, atTop) {
    if (rows.has(job.id)) return;
    const row = makeRow(job);
    rows.set(job.id, row);
    if (atTop) body.prepend(row.node); else body.append(row.node);
    newest = Math.max(newest, job.id);
  }

  function showCount() { count.textContent = total === 1 ? "1 job" : total + " jobs"; }

  async function load(before) {
    const params = new URLSearchParams({ limit: "100" });
    if (filters.state) params.set("state", filters.state);
    if (filters.name) params.set("name", filters.name);
    if (before !== undefined) params.set("before", String(before));
    try {
      const page = await getJSON("/api/v1/jobs?" + params);
      for (const job of page.jobs) add(job, false);
      total = page.total;
      showCount();
      more.next = page.next;
    } catch (error) {
      if (main.contains(more.node)) main.append(errorBox(error));  // unless another view replaced this one
    }
  }
  load();

  return {
    event(type, data) {
      if (type !== "job") return;
      const row = rows.get(data.id);
      if (row) updateRow(row, data);
      else if (data.id > newest && matches(data)) { add(data, true); total += 1; showCount(); }
    },
    destroy() { elapsed.stop(); },
  };
}

function jobView(main, id) {
  const elapsed = new Elapsed();
  let job = null;
  const title = h("h1", {}, "Job " + id);
  const state = h("span");
  const kill = h("button", { type: "button", class: "danger", onclick: () => act("kill") }, "Kill");
  const retry = h("button", { type: "button", onclick: () => act("retry") }, "Retry");
  const message = h("div", { class: "message", role: "status", "aria-live": "polite" });
  const bar = progressBar(0, "job progress");
  const progressText = h("span", { class: "muted" });
  const details = h("tbody");
  const failure = h("div");
  const log = logView("The job's log");
  main.replaceChildren(
    h("div", { class: "toolbar" }, h("a", { href: "#/jobs", class: "back" }, "← Jobs"), title, state,
      h("span", { class: "grow" }), retry, kill),
    message,
    h("div", { class: "progress-line" }, bar, progressText),
    h("div", { class: "job-layout" },
      h("section", { "aria-label": "Log" }, h("h2", {}, "Log"), log.node),
      h("section", { "aria-label": "Job" }, h("h2", {}, "Job"), h("table", { class: "kv" }, details), failure)));
  pageTitle("Job " + id);

  async function act(what) {
    kill.disabled = retry.disabled = true;
    try {
      const answer = await postJSON(`/api/v1/jobs/${id}/${what}`);
      message.textContent = what === "kill" ? "Killed." : "Queued again.";
      if (answer && answer.job) update(answer.job);
    } catch (error) {
      message.textContent = `Could not ${what}: ${error.message}`;
      if (job) update(job);
    }
  }

  function row(key, value) { return h("tr", {}, h("th", { scope: "row" }, key), h("td", {}, value)); }

  function update(data) {
    job = Object.assign({}, job || {}, data);
    title.textContent = job.name + " #" + job.id;
    pageTitle(job.name, "Job " + id);
    state.replaceChildren(stateBadge(job.state));
    kill.disabled = ENDED.has(job.state);
    retry.disabled = !RETRYABLE.has(job.state);
    setProgress(bar, job.state === "COMPLETED" ? 1 : job.progress);
    progressText.textContent = formatPercent((job.state === "COMPLETED" ? 1 : job.progress || 0) * 100)
      + (job.progressMessage ? " · " + job.progressMessage : "");
    const duration = h("span");
    details.replaceChildren(
      row("state", job.state), row("attempts", `${job.attempts}/${job.maxAttempts}`), row("script", job.script),
      row("created", formatTime(job.createdAt)), row("started", formatTime(job.startedAt)),
      row("ended", formatTime(job.endedAt)), row("duration", duration),
      row("timeout", job.timeout ? formatDuration(job.timeout) : "none"),
      row("passed data", formatValue(job.passedData)), row("result", formatValue(job.result)),
      row("log", formatValue(job.logPath)));
    elapsed.set("job", duration, job.duration, job.state === "ACTIVE");
    if (job.error) {
      failure.replaceChildren(h("h2", {}, "Error"), h("pre", { class: "error-text" }, job.error.message),
        job.error.traceback ? h("pre", { class: "traceback" }, job.error.traceback) : "");
    } else failure.replaceChildren();
  }

  const refreshLog = throttle(async () => {
    if (!job || !job.logPath || job.state === "QUEUED" && !job.attempts) return;
    try { log.set(await getText(`/api/v1/jobs/${id}/log?tail=1000`)); } catch (_) { /* shown on the next event */ }
  }, 400);

  (async () => {
    try { update(await getJSON("/api/v1/jobs/" + id)); refreshLog(); } catch (error) {
      main.replaceChildren(h("div", { class: "toolbar" }, h("a", { href: "#/jobs", class: "back" }, "← Jobs")), errorBox(error));
    }
  })();

  return {
    event(type, data) {
      if (!job) return;
      if (type === "job" && data.id === job.id) { update(data); refreshLog(); }
      else if (type === "log" && data.kind === "job" && data.id === job.id) refreshLog();
    },
    destroy() { elapsed.stop(); },
  };
}

// ---------------------------------------------------------------------------------------------
// Frame renders: the list; one with its chunks as a strip and the contact sheet.

function framesView(main) {
  const elapsed = new Elapsed();
  const rows = new Map();
  let newest = 0, total = 0;
  const body = h("tbody");
  const count = h("span", { class: "count" });
  const more = pager((before) => load(before));
  main.replaceChildren(
    h("div", { class: "toolbar" }, h("h1", {}, "Frame renders"), count),
    h("table", { class: "list", "aria-label": "Frame renders" },
      header(["id", "label", "state", "frames", "workers", "duration", "started"], ["id", "workers", "duration"]),
      body),
    more.node);
  pageTitle("Frames");

  function makeRow(fr) {
    const cells = { state: h("td"), frames: h("td", { class: "progress-cell" }), duration: h("td", { class: "num" }) };
    const node = h("tr", { "data-id": fr.id },
      h("td", { class: "num" }, h("a", { href: "#/frames/" + fr.id }, String(fr.id))),
      h("td", {}, h("a", { href: "#/frames/" + fr.id, title: fr.scene }, fr.label)),
      cells.state, cells.frames, h("td", { class: "num" }, String(fr.workers)), cells.duration,
      h("td", {}, formatTime(fr.startedAt)));
    const row = { node, cells };
    updateRow(row, fr);
    return row;
  }

  function updateRow(row, fr) {
    row.cells.state.replaceChildren(stateBadge(fr.state));
    const done = (fr.rendered || 0) + (fr.skipped || 0);
    row.cells.frames.replaceChildren(progressBar(fr.frames ? done / fr.frames : 0, "frames done"),
      h("span", { class: "muted" }, `${done}/${fr.frames}`));
    elapsed.set(fr.id, row.cells.duration, fr.duration, fr.state === "rendering");
  }

  function add(fr, atTop) {
    if (rows.has(fr.id)) return;
    const row = makeRow(fr);
    rows.set(fr.id, row);
    if (atTop) body.prepend(row.node); else body.append(row.node);
    newest = Math.max(newest, fr.id);
  }

  function showCount() { count.textContent = total === 1 ? "1 frame render" : total + " frame renders"; }

  async function load(before) {
    const params = new URLSearchParams({ limit: "100" });
    if (before !== undefined) params.set("before", String(before));
    try {
      const page = await getJSON("/api/v1/frames?" + params);
      for (const fr of page.frames) add(fr, false);
      total = page.total;
      showCount();
      more.next = page.next;
    } catch (error) {
      if (main.contains(more.node)) main.append(errorBox(error));  // unless another view replaced this one
    }
  }
  load();

  return {
    event(type, data) {
      if (type !== "frames") return;
      const row = rows.get(data.id);
      if (row) updateRow(row, data);
      else if (data.id > newest) { add(data, true); total += 1; showCount(); }
    },
    destroy() { elapsed.stop(); },
  };
}

function frameView(main, id) {
  const elapsed = new Elapsed();
  let fr = null;
  const chunks = new Map();  // chunk id -> chunk
  let selectedChunk = null;
  let sheetVersion = 0;
  const title = h("h1", {}, "Frame render " + id);
  const state = h("span");
  const summary = h("p", { class: "muted" });
  const strip = h("div", { class: "strip", role: "list", "aria-label": "Chunks" });
  const legend = h("p", { class: "legend" },
    ["done", "rendering", "failed", "queued"].map((s) => h("span", { class: "chunk-key chunk-" + s }, s)));
  const sheet = h("div", { class: "sheet" });
  const chunkTitle = h("h2", {}, "Chunk log");
  const log = logView("The chunk's log");
  const chunkSection = h("section", { hidden: true, "aria-label": "Chunk log" }, chunkTitle, log.node);
  main.replaceChildren(
    h("div", { class: "toolbar" }, h("a", { href: "#/frames", class: "back" }, "← Frames"), title, state),
    summary,
    h("section", { "aria-label": "Chunks" }, h("h2", {}, "Chunks"), strip, legend,
      h("p", { class: "hint" }, "Click a chunk for its log; ×N is its attempt count.")),
    chunkSection,
    h("section", { "aria-label": "Contact sheet" }, h("h2", {}, "Contact sheet"), sheet));
  pageTitle("Frame render " + id);

  function updateHeader(data) {
    fr = Object.assign({}, fr || {}, data);
    title.textContent = fr.label + " #" + fr.id;
    state.replaceChildren(stateBadge(fr.state));
    const duration = h("span");
    summary.replaceChildren(`${fr.rendered} rendered, ${fr.skipped} skipped of ${fr.frames} frames · ${fr.workers} workers · `,
      duration, " · ", fr.pattern || fr.output || "");
    elapsed.set("fr", duration, fr.duration, fr.state === "rendering");
  }

  // One cell per frame range: its latest attempt's state, with the attempt count.
  function drawStrip() {
    const ranges = new Map();
    for (const chunk of chunks.values()) {
      const key = `${chunk.first}-${chunk.last}-${chunk.step}`;
      const seen = ranges.get(key);
      if (!seen || chunk.attempt > seen.attempt || (chunk.attempt === seen.attempt && chunk.id > seen.id)) ranges.set(key, chunk);
    }
    const cells = [...ranges.values()].sort((a, b) => a.first - b.first);
    strip.replaceChildren(...cells.map((chunk) => {
      const kind = chunk.state === "done" ? "done" : chunk.state === "rendering" ? "rendering"
        : chunk.state === "failed" || chunk.state === "interrupted" ? "failed" : "queued";
      const frames = Math.floor((chunk.last - chunk.first) / Math.max(1, chunk.step)) + 1;
      const label = chunk.first === chunk.last ? String(chunk.first) : `${chunk.first}–${chunk.last}`;
      const cell = h("button", { type: "button", role: "listitem", class: `chunk chunk-${kind}`,
        "aria-label": `frames ${label}, ${chunk.state}, attempt ${chunk.attempt}`,
        title: `frames ${label} (step ${chunk.step}) · ${chunk.state} · attempt ${chunk.attempt}` +
          (chunk.worker !== null && chunk.worker !== undefined ? ` · worker ${chunk.worker}` : "") +
          ` · ${chunk.framesDone || 0}/${frames} frames` + (chunk.reason ? ` · ${chunk.reason}` : ""),
        onclick: () => { selectedChunk = chunk.id; chunkTitle.textContent = `Chunk ${label} (attempt ${chunk.attempt}) log`; chunkSection.hidden = false; refreshLog(); } },
        h("span", { class: "chunk-frames" }, label),
        chunk.attempt > 1 ? h("span", { class: "chunk-attempts" }, "×" + chunk.attempt) : "");
      cell.style.flexGrow = String(frames);
      return cell;
    }));
    if (!cells.length) strip.append(placeholder("no chunks yet"));
  }

  const refreshLog = throttle(async () => {
    if (selectedChunk === null) return;
    const chunk = chunks.get(selectedChunk);
    if (!chunk || !chunk.logPath) { log.set("(no log yet)"); return; }
    try { log.set(await getText(`/api/v1/frames/${id}/chunks/${selectedChunk}/log?tail=200`)); } catch (error) { log.set(error.message); }
  }, 500);

  const refreshSheet = throttle(() => {
    if (!fr || !((fr.rendered || 0) + (fr.skipped || 0))) {
      if (!sheet.firstChild) sheet.append(placeholder("no frames yet"));
      return;
    }
    sheetVersion += 1;
    const img = h("img", { alt: `Contact sheet of frame render ${id}`, class: "contact" });
    const url = fr.contactSheet || `/api/v1/frames/${id}/contact-sheet?v=${sheetVersion}`;
    if (sheet.dataset.url === url) return;
    sheet.dataset.url = url;
    const current = sheet.querySelector("img");
    if (current) {
      const next = new Image();
      next.onload = () => { current.src = next.src; };
      setImage(next, url, false);
    } else {
      setImage(img, url, false);
      sheet.replaceChildren(img);
    }
  }, 2000);

  (async () => {
    try {
      const data = await getJSON("/api/v1/frames/" + id);
      for (const chunk of data.chunks || []) chunks.set(chunk.id, chunk);
      updateHeader(data);
      drawStrip();
      refreshSheet();
    } catch (error) {
      main.replaceChildren(h("div", { class: "toolbar" }, h("a", { href: "#/frames", class: "back" }, "← Frames")), errorBox(error));
    }
  })();

  return {
    event(type, data) {
      if (!fr) return;
      if (type === "frames" && data.id === fr.id) { updateHeader(data); refreshSheet(); }
      else if (type === "chunk" && data.frameRender === fr.id) {
        chunks.set(data.chunk.id, data.chunk);
        drawStrip();
        if (data.chunk.id === selectedChunk) refreshLog();
        if (data.chunk.state === "done") refreshSheet();
      } else if (type === "log" && data.kind === "chunk" && data.id === selectedChunk) refreshLog();
    },
    destroy() { elapsed.stop(); },
  };
}

// ---------------------------------------------------------------------------------------------
// Routing and the event stream.

let current = null;

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, queryText] = hash.split("?");
  const query = new URLSearchParams(queryText || "");
  const parts = path.split("/").filter(Boolean);
  const main = document.getElementById("main");
  if (current && current.destroy) current.destroy();
  current = null;
  let view = parts[0] || "gallery";
  const id = parts[1] && /^\d+$/.test(parts[1]) ? Number(parts[1]) : null;
  if (view === "gallery") current = galleryView(main, query);
  else if (view === "render" && id !== null) current = renderView(main, id);
  else if (view === "jobs") current = jobsView(main, query);
  else if (view === "job" && id !== null) { current = jobView(main, id); view = "jobs"; }
  else if (view === "frames" && id !== null) current = frameView(main, id);
  else if (view === "frames") current = framesView(main);
  else {
    main.replaceChildren(h("div", { class: "notice" }, "No such page: ", h("code", {}, "#" + hash), ". ",
      h("a", { href: "#/gallery" }, "Open the gallery.")));
    pageTitle("Not found");
  }
  if (view === "render") view = "gallery";
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
}

function connectEvents() {
  const live = document.getElementById("live");
  if (!("EventSource" in window)) { live.textContent = "no live updates"; return; }
  const source = new EventSource("/api/v1/events" + (TOKEN ? "?token=" + encodeURIComponent(TOKEN) : ""));
  source.onopen = () => { live.textContent = "live"; live.dataset.state = "open"; };
  // EventSource reconnects by itself (with Last-Event-ID), so an error only changes the badge.
  source.onerror = () => { live.textContent = source.readyState === 2 ? "offline" : "reconnecting"; live.dataset.state = "error"; };
  // After a server restart the event ids mean nothing: the view is drawn again from the API.
  source.addEventListener("reset", () => route());
  for (const type of ["render", "image", "job", "chunk", "frames", "log"]) {
    source.addEventListener(type, (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch (_) { return; }
      if (current && current.event) current.event(type, data);
    });
  }
  window.addEventListener("pagehide", () => source.close());
}

window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", () => { route(); connectEvents(); });
