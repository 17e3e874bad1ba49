// topo ui: draws a running topology and animates what its nodes log.
"use strict";

const NS = "http://www.w3.org/2000/svg";
const q = new URLSearchParams(location.search);
const token = q.get("token") || "";
let topo = q.get("t") || "";
let view = null;            // {plan, drawing}
let status = null;          // the last status
let selected = "";          // the node shown in the panel
const logs = {};            // node → its last lines
const $ = (id) => document.getElementById(id);

function svg(tag, attrs, parent) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

// api is the URL of one of the server's endpoints, with the token: beyond
// loopback the server answers nothing without it.
function api(path, params) {
  const p = new URLSearchParams(params || {});
  if (token) p.set("token", token);
  const qs = p.toString();
  return path + (qs ? "?" + qs : "");
}

async function getJSON(url) {
  const r = await fetch(url);
  const text = await r.text();
  // A refusal (no token, another Host) comes as plain text.
  let body; try { body = JSON.parse(text); } catch (e) { body = {error: text.trim()}; }
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

async function post(path, body) {
  const r = await fetch(api(path), {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(Object.assign({t: topo}, body)),
  });
  const text = await r.text();
  let out; try { out = JSON.parse(text); } catch (e) { out = {error: text}; }
  if (!r.ok) throw new Error(out.error || r.statusText);
  return out;
}

async function start() {
  if (!topo) {
    const ts = await getJSON(api("api/topologies"));
    if (ts.length === 1) topo = ts[0].name;
    else return pick(ts);
  }
  $("title").textContent = topo;
  view = await getJSON(api("api/topology", {t: topo}));
  $("live").hidden = false;
  draw();
  follow();
}

// pick lists the running topologies, and nothing else: there is no
// topology to send on or partition yet.
function pick(ts) {
  $("pick").hidden = false;
  $("live").hidden = true;
  $("title").textContent = ts.length ? "several topologies run" : "no topology runs: topo up FILE";
  for (const t of ts) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "?t=" + encodeURIComponent(t.name) + (token ? "&token=" + encodeURIComponent(token) : "");
    a.textContent = `${t.name} (${t.layout}, ${t.nodes} nodes)`;
    li.appendChild(a);
    $("topologies").appendChild(li);
  }
}

function pos(name) { return view.drawing.nodes[name] || view.drawing.segments[name]; }

function draw() {
  const d = view.drawing;
  for (const e of d.edges) {
    const a = pos(e.from), b = pos(e.to);
    svg("line", {x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "edge", "data-from": e.from, "data-to": e.to}, $("edges"));
  }
  for (const [name, p] of Object.entries(d.segments)) {
    svg("rect", {x: p.x - 420, y: p.y - 5, width: 840, height: 10, rx: 5, class: "segment", "data-name": name}, $("segments"));
  }
  for (const n of view.plan.nodes) {
    const p = d.nodes[n.name];
    // A node that runs its own image is a square: it has no agent, so no
    // counters, and its traffic is its own.
    const own = !!n.image;
    const g = svg("g", {class: own ? "node own" : "node", "data-name": n.name, transform: `translate(${p.x},${p.y})`}, $("nodes"));
    if (own) svg("rect", {class: "shape", x: -18, y: -18, width: 36, height: 36, rx: 6}, g);
    else svg("circle", {class: "shape", r: 20}, g);
    const t = svg("text", {y: 36}, g);
    t.textContent = n.name;
    g.addEventListener("click", () => inspect(n.name));
    for (const sel of [$("send-from"), $("send-to")]) sel.add(new Option(n.name, n.name));
  }
  $("send-to").selectedIndex = Math.min(2, view.plan.nodes.length - 1);
  $("groups").placeholder = example(view.plan.nodes.map((n) => n.name));
}

// example is a partition of this topology's own nodes, as the form takes
// it: the second node alone, the first and third together.
function example(names) {
  if (names.length < 3) return names[0] || "";
  return `${names[1]} ${names[0]},${names[2]}`;
}

function follow() {
  const es = new EventSource(api("api/stream", {t: topo}));
  es.addEventListener("status", (m) => { status = JSON.parse(m.data); paint(); });
  es.addEventListener("faults", (m) => showFaults(JSON.parse(m.data)));
  es.addEventListener("anim", (m) => animate(JSON.parse(m.data)));
  es.addEventListener("log", (m) => {
    const l = JSON.parse(m.data);
    (logs[l.node] = logs[l.node] || []).push(l.text);
    if (logs[l.node].length > 200) logs[l.node].shift();
    if (l.node === selected) showLog();
  });
  es.addEventListener("sampled", (m) => {
    $("banner").textContent = `busy: the view skipped ${JSON.parse(m.data).missed} events`;
    setTimeout(() => { $("banner").textContent = ""; }, 3000);
  });
  es.addEventListener("error", (m) => { if (m.data) $("banner").textContent = JSON.parse(m.data).error; });
}

// paint shows each node's and link's state from the last status.
function paint() {
  for (const n of status.nodes || []) {
    const g = document.querySelector(`.node[data-name="${n.name}"]`);
    if (!g) continue;
    g.classList.toggle("ready", n.state === "running" && n.ready);
    g.classList.toggle("down", n.state !== "running" && n.state !== "paused");
    g.classList.toggle("paused", n.state === "paused");
    for (const l of n.links || []) {
      for (const e of edgesBetween(n.name, l.neighbor)) {
        e.classList.toggle("down", l.state === "down");
        e.classList.toggle("oneway", l.state === "one-way");
        e.classList.toggle("impaired", (l.fault || "").startsWith("impaired"));
      }
    }
  }
  if (selected) inspect(selected);
}

// showFaults lists the faults in force, whoever made them: this page,
// topo's commands, a schedule, or a node stopped or paused.
function showFaults(lines) {
  const ul = $("faults-list");
  ul.textContent = "";
  for (const l of lines.length ? lines : ["none"]) {
    const li = document.createElement("li");
    li.textContent = l;
    ul.appendChild(li);
  }
}

function edgesBetween(a, b) {
  return [...document.querySelectorAll("#edges .edge")].filter((e) =>
    (e.dataset.from === a && e.dataset.to === b) || (e.dataset.from === b && e.dataset.to === a));
}

// hopEdges are the drawn edges a hop from a to b crosses: the link
// between them, or on a shared segment the drops of both to it.
function hopEdges(a, b) {
  const direct = edgesBetween(a, b);
  if (direct.length) return direct;
  const all = [...document.querySelectorAll("#edges .edge")];
  const segs = new Set(all.filter((e) => e.dataset.from === a).map((e) => e.dataset.to));
  return all.filter((e) => (e.dataset.from === a || e.dataset.from === b) && segs.has(e.dataset.to) &&
    all.some((f) => f.dataset.from === (e.dataset.from === a ? b : a) && f.dataset.to === e.dataset.to));
}

// via is the way a frame from a to b is drawn: straight, or through the
// vertex of a shared segment they are both on.
function via(a, b) {
  for (const e of view.drawing.edges) {
    if (e.shared && e.from === a && view.drawing.edges.some((f) => f.shared && f.from === b && f.to === e.to)) {
      return [pos(a), pos(e.to), pos(b)];
    }
  }
  return [pos(a), pos(b)];
}

function animate(a) {
  if (a.kind === "hop" || a.kind === "token") {
    const pts = via(a.from, a.to);
    if (pts.some((p) => !p)) return;
    if (a.kind === "token") {
      // One token, one dot: it moves on from wherever it was.
      let dot = $("token-dot");
      if (!dot) dot = svg("circle", {id: "token-dot", r: 9, class: "tok"}, $("moving"));
      dot.dataset.run = (+(dot.dataset.run || 0) + 1).toString();
      const run = dot.dataset.run;
      move(dot, pts, 300, () => {}, () => dot.dataset.run === run);
    } else {
      const dot = svg("circle", {r: 6, class: "msg"}, $("moving"));
      move(dot, pts, 450, () => dot.remove());
    }
    if (a.kind === "token") {
      document.querySelectorAll("#nodes .node.token").forEach((g) => g.classList.remove("token"));
      const g = document.querySelector(`.node[data-name="${a.to}"]`);
      if (g) g.classList.add("token");
      document.body.dataset.token = a.to;
    }
  } else if (a.kind === "link") {
    for (const e of edgesBetween(a.node, a.to)) {
      e.classList.toggle("down", a.state === "down");
      e.classList.toggle("oneway", a.state === "one-way");
    }
  } else if (a.kind === "deliver") {
    const p = pos(a.node);
    const ring = svg("circle", {cx: p.x, cy: p.y, r: 24, class: "deliver"}, $("moving"));
    setTimeout(() => ring.remove(), 500);
  } else if (a.kind === "drop") {
    const p = pos(a.node);
    const t = svg("text", {x: p.x + 22, y: p.y - 22, class: "drop"}, $("moving"));
    t.textContent = "✕ " + a.reason;
    setTimeout(() => t.remove(), 2500);
  }
}

function move(el, pts, ms, done, still) {
  const t0 = performance.now();
  const legs = pts.length - 1;
  el.setAttribute("cx", pts[0].x);
  el.setAttribute("cy", pts[0].y);
  function step(now) {
    if (still && !still()) return; // a newer move took over
    const f = Math.min((now - t0) / ms, 1) * legs;
    const i = Math.min(Math.floor(f), legs - 1), r = f - i;
    el.setAttribute("cx", pts[i].x + (pts[i + 1].x - pts[i].x) * r);
    el.setAttribute("cy", pts[i].y + (pts[i + 1].y - pts[i].y) * r);
    if (f < legs) requestAnimationFrame(step); else done();
  }
  requestAnimationFrame(step);
}

function inspect(name) {
  selected = name;
  const n = view.plan.nodes.find((x) => x.name === name);
  const s = status && (status.nodes || []).find((x) => x.name === name);
  $("panel").hidden = false;
  $("panel-name").textContent = `${name} (${n.role})`;
  $("panel-info").textContent = Object.entries(n.addresses).map(([seg, a]) => `${a} on ${seg}`).join(", ") +
    "; neighbours: " + (n.neighbors || []).map((x) => x.name).join(", ") + (s ? `; ${s.state}${s.ready ? ", ready" : ""}` : "");
  counters(s && !n.image ? s.stats : null);
  const acts = $("panel-actions");
  if (!acts.dataset.for || acts.dataset.for !== name) {
    acts.dataset.for = name;
    acts.textContent = "";
    for (const act of ["stop", "start", "restart"]) button(acts, act, () => post("api/node", {action: act, node: name}));
    for (const nb of n.neighbors || []) {
      button(acts, `cut ${nb.name}`, () => post("api/link", {a: name, b: nb.name, down: true}));
      button(acts, `cut ${name}→${nb.name}`, () => post("api/link", {a: name, b: nb.name, down: true, from: name}));
      button(acts, `restore ${nb.name}`, () => post("api/link", {a: name, b: nb.name, down: false}));
      button(acts, `capture ${nb.name} ${captureSeconds}s`, () => capture(name, nb.name));
    }
  }
  showLog();
}

// counters shows a node's counters as a table, one row each.
function counters(stats) {
  const t = $("panel-counters");
  t.textContent = "";
  const row = (k, v) => {
    const tr = t.insertRow();
    tr.insertCell().textContent = k;
    const c = tr.insertCell();
    c.className = "n";
    c.textContent = typeof v === "number" ? v.toLocaleString("en") : String(v);
  };
  for (const [k, v] of Object.entries(stats || {})) {
    if (v && typeof v === "object") {
      for (const [reason, n] of Object.entries(v)) row(`  ${k.replace(/_by_reason$/, "")}: ${reason}`, n);
    } else {
      row(k.replaceAll("_", " "), v);
    }
  }
}

// capture downloads a pcapng of the next captureSeconds of the link
// between a and b, captured on a's side (topo capture a b).
const captureSeconds = 10;
async function capture(a, b) {
  $("banner").textContent = `capturing ${a}–${b} for ${captureSeconds} s…`;
  const r = await fetch(api("api/capture", {t: topo, a: a, b: b, seconds: captureSeconds}));
  if (!r.ok) {
    const text = await r.text();
    let out; try { out = JSON.parse(text); } catch (e) { out = {error: text}; }
    throw new Error(out.error || r.statusText);
  }
  const blob = await r.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${topo}-${a}-${b}.pcapng`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  $("banner").textContent = `captured ${a}–${b}: ${blob.size.toLocaleString("en")} bytes saved as ${link.download}`;
}

function button(parent, label, fn) {
  const b = document.createElement("button");
  b.textContent = label;
  b.addEventListener("click", () => fn().catch((e) => { $("banner").textContent = e.message; }));
  parent.appendChild(b);
}

function showLog() { $("panel-log").textContent = (logs[selected] || []).slice(-30).join("\n"); }

$("send").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("receipt").textContent = "sending…";
  document.querySelectorAll("#edges .edge.path").forEach((e) => e.classList.remove("path"));
  try {
    const r = await post("api/send", {from: $("send-from").value, to: $("send-to").value, text: $("send-text").value});
    const path = (r.path || []).join(" → ");
    $("receipt").textContent = r.delivered ? `${path} in ${r.rtt_ms.toFixed(1)} ms` : `not delivered: ${r.reason} at ${r.dropped_at || "?"} (${path})`;
    for (let i = 0; i + 1 < (r.path || []).length; i++) hopEdges(r.path[i], r.path[i + 1]).forEach((e) => e.classList.add("path"));
  } catch (e) {
    $("receipt").textContent = e.message;
  }
});

// A partition: groups of nodes, comma-separated, the groups space-separated;
// the nodes no group names form one more group.
async function partition(groups) {
  try {
    const fs = await post("api/partition", {groups});
    $("faults").textContent = fs && fs.length ? `${fs.length} fault(s) in force` : "no faults in force";
  } catch (e) {
    $("faults").textContent = e.message;
  }
}
$("partition").addEventListener("submit", (ev) => {
  ev.preventDefault();
  partition($("groups").value.trim().split(/\s+/).filter(Boolean).map((g) => g.split(",")));
});
$("heal").addEventListener("click", () => partition([]));

start().catch((e) => { $("title").textContent = e.message; });
