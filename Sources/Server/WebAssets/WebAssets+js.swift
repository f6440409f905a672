/// The page's script (/app.js): asks /v1/ask with streaming (Server-Sent Events over fetch), searches /v1/search,
/// posts /v1/feedback, shows /readyz and /v1/stats. Text from the server only ever becomes DOM text nodes.
extension WebAssets {
    static let javascript = #"""
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const KEY = "rag.apiKey";
  const STOP = new Set("a an and are as at be by can do does for from how i in is it of on or the this to what when where which who why will with you your".split(" "));
  let controller = null;   // the AbortController of the request in flight
  let answerId = null;
  let started = false;

  // ---- API ------------------------------------------------------------------------------------------------
  function headers() {
    const h = { "Content-Type": "application/json", "Accept": "application/json, text/event-stream" };
    const key = sessionStorage.getItem(KEY);
    if (key) h["Authorization"] = "Bearer " + key;
    return h;
  }

  class APIError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  async function failure(res) {
    let code = "http_" + res.status, message = res.status + " " + res.statusText;
    try { const body = await res.json(); if (body && body.error) { code = body.error.code; message = body.error.message; } } catch (_) {}
    return new APIError(res.status, code, message);
  }

  async function api(method, path, body, signal) {
    const res = await fetch(path, { method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body), signal, cache: "no-store" });
    if (!res.ok) throw await failure(res);
    return res.json();
  }

  // Reads a text/event-stream body, calling onEvent(name, data) for each event.
  async function readEvents(res, onEvent) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message", data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) onEvent(name, data.join("\n"));
      }
    }
  }

  // ---- Rendering ------------------------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function queryWords(q) {
    const words = (q.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}_-]*/gu) || []).filter((w) => w.length > 1 && !STOP.has(w));
    return [...new Set(words)];
  }

  // Appends `text` to `node` with the words of the question marked (prefix match, so "models" marks "model").
  function highlight(node, text, words) {
    if (!words.length) { node.append(text); return; }
    const stems = words.map((w) => (w.length > 4 ? w.replace(/(es|s|ing|ed)$/u, "") : w).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const re = new RegExp("(?<![\\p{L}\\p{N}])(" + stems.join("|") + ")[\\p{L}\\p{N}]*", "giu");
    let last = 0;
    for (const m of text.matchAll(re)) {
      if (m.index > last) node.append(text.slice(last, m.index));
      node.append(el("mark", "", m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) node.append(text.slice(last));
  }

  // One source or search hit: path, heading path, score; expands to its chunk text.
  function hitItem(hit, words, label) {
    const li = el("li");
    const details = el("details");
    const summary = el("summary");
    summary.append(el("span", "n", label), el("span", "path", hit.path));
    if (typeof hit.score === "number") summary.append(el("span", "score", hit.score.toFixed(3)));
    if (hit.heading_path) summary.append(el("span", "heading", hit.heading_path));
    details.append(summary);
    const chunk = el("div", "chunk");
    if (hit.text !== undefined) highlight(chunk, hit.text, words);
    else chunk.textContent = "(the chunk text is not available)";
    details.append(chunk);
    li.append(details);
    li.dataset.chunkId = hit.chunk_id === undefined ? "" : String(hit.chunk_id);
    return li;
  }

  function showError(err) {
    const box = $("error");
    if (!err) { box.hidden = true; box.textContent = ""; return; }
    if (err.status === 401) { askForKey(sessionStorage.getItem(KEY) ? "The API key was refused: enter it again." : ""); return; }
    box.textContent = err.code ? err.message + " (" + err.code + ")" : String(err.message || err);
    box.hidden = false;
  }

  function setBusy(busy) {
    $("go").disabled = busy;
    $("stop").hidden = !busy;
  }

  function mode() { return document.querySelector("input[name=mode]:checked").value; }

  function setMode(m) {
    document.querySelector("input[name=mode][value=" + (m === "search" ? "search" : "ask") + "]").checked = true;
    $("go").textContent = m === "search" ? "Search" : "Ask";
    $("q").placeholder = m === "search" ? "Search the documents" : "Ask a question about the documents";
  }

  function shareURL(q, m) {
    const u = new URL(location.href);
    u.search = "";
    if (q) u.searchParams.set("q", q);
    if (q && m === "search") u.searchParams.set("mode", "search");
    history.replaceState(null, "", u);
  }

  // ---- Ask ------------------------------------------------------------------------------------------------
  async function ask(question) {
    const words = queryWords(question);
    const answer = $("answer");
    $("results-section").hidden = true;
    $("answer-section").hidden = false;
    $("feedback").hidden = true;
    $("sources-title").hidden = true;
    $("sources").replaceChildren();
    $("answer-meta").textContent = "";
    $("feedback-status").textContent = "";
    for (const b of [$("up"), $("down")]) { b.classList.remove("chosen"); b.disabled = false; }
    answer.textContent = "";
    answer.classList.add("streaming");
    answerId = null;
    let final = null, streamError = null;
    try {
      const res = await fetch("/v1/ask", { method: "POST", headers: headers(), body: JSON.stringify($("style").value ? { question, stream: true, style: $("style").value } : { question, stream: true }), signal: controller.signal });
      if (!res.ok) throw await failure(res);
      await readEvents(res, (name, data) => {
        const event = JSON.parse(data);
        if (name === "delta" || event.type === "delta") {
          // Milliseconds since navigation to the first token (the page's own latency figure).
          if (!document.body.dataset.firstTokenMs) document.body.dataset.firstTokenMs = String(Math.round(performance.now()));
          answer.append(event.text);
        } else if (name === "answer" || event.type === "answer") {
          final = event;
        } else if (name === "error" || event.type === "error") {
          streamError = new APIError(0, event.error.code, event.error.message);
        }
      });
    } catch (err) {
      if (err.name === "AbortError") { $("answer-meta").textContent = "Stopped."; return; }
      throw err;
    } finally {
      answer.classList.remove("streaming");
    }
    if (streamError) throw streamError;
    if (!final) throw new Error("the answer stream ended early");
    answer.textContent = final.answer;
    answerId = final.id;
    document.body.dataset.answerId = final.id;
    const t = final.timings || {};
    $("answer-meta").textContent = [
      final.cached ? "cached" : null,
      final.grounded === false ? "nothing relevant was found" : null,
      typeof t.total_s === "number" ? "answered in " + t.total_s.toFixed(2) + " s" : null,
      final.uncited ? "the answer cites nothing: all retrieved passages are listed" : null,
    ].filter(Boolean).join(" · ");
    $("feedback").hidden = false;
    await showSources(final.sources || [], words);
  }

  async function showSources(sources, words) {
    if (!sources.length) return;
    let texts = {};
    const ids = sources.map((s) => s.chunk_id).filter((id) => typeof id === "number");
    if (ids.length) {
      try {
        const got = await api("POST", "/v1/chunks", { ids });
        for (const c of got.chunks) texts[c.chunk_id] = c.text;
      } catch (err) { if (err.name !== "AbortError") showError(err); }
    }
    const list = $("sources");
    sources.forEach((s, i) => {
      const item = hitItem({ ...s, text: texts[s.chunk_id] }, words, "[" + s.n + "]");
      if (i === 0) item.querySelector("details").open = true;
      list.append(item);
    });
    $("sources-title").hidden = false;
  }

  // ---- Search ---------------------------------------------------------------------------------------------
  async function search(query) {
    $("answer-section").hidden = true;
    const got = await api("POST", "/v1/search", { query, k: 10 }, controller.signal);
    const words = queryWords(query);
    const list = $("results");
    list.replaceChildren();
    if (!got.results.length) list.append(el("li", "meta", "No results."));
    got.results.forEach((hit, i) => {
      const item = hitItem(hit, words, String(hit.rank));
      if (i === 0) item.querySelector("details").open = true;
      list.append(item);
    });
    $("results-section").hidden = false;
  }

  async function run() {
    const q = $("q").value.trim();
    if (!q || controller) return;
    showError(null);
    const m = mode();
    shareURL(q, m);
    controller = new AbortController();
    setBusy(true);
    try {
      if (m === "search") await search(q); else await ask(q);
    } catch (err) {
      if (err.name !== "AbortError") showError(err);
    } finally {
      controller = null;
      setBusy(false);
    }
  }

  function stop() { if (controller) controller.abort(); }

  async function feedback(rating) {
    if (!answerId) return;
    $("up").disabled = $("down").disabled = true;
    try {
      const got = await api("POST", "/v1/feedback", { answer_id: answerId, rating });
      (rating > 0 ? $("up") : $("down")).classList.add("chosen");
      $("feedback-status").textContent = "Thanks: feedback #" + got.id + " recorded.";
    } catch (err) {
      $("up").disabled = $("down").disabled = false;
      showError(err);
    }
  }

  // ---- Status, key and start ------------------------------------------------------------------------------
  function setStatus(text, cls) { const s = $("status"); s.textContent = text; s.className = "status " + cls; }

  async function readiness() {
    try {
      const res = await fetch("/readyz", { cache: "no-store" });
      if (res.ok) {
        const r = await res.json();
        setStatus("ready · " + r.generator + (r.vectors ? "" : " · keyword only") + (r.queue_depth ? " · " + r.queue_depth + " queued" : ""), "ok");
        return true;
      }
      const err = await failure(res);
      setStatus("not ready: " + err.message, "wait");
    } catch (err) {
      setStatus("the server does not answer", "bad");
    }
    return false;
  }

  function showStats(s) {
    const formats = Object.entries(s.formats || {}).sort().map(([f, n]) => f + " " + n).join(", ");
    const when = s.last_ingest ? new Date(s.last_ingest * 1000).toLocaleString() : "never";
    $("stats").textContent = s.documents + " documents · " + s.chunks + " chunks" + (formats ? " (" + formats + ")" : "") + " · last ingest " + when;
  }

  function askForKey(message) {
    if (controller) controller.abort();
    $("ask-form").hidden = true;
    $("answer-section").hidden = true;
    $("results-section").hidden = true;
    $("stats").textContent = "";
    $("error").hidden = true;
    $("key-form").hidden = false;
    $("key-error").textContent = message || "";
    $("key").focus();
  }

  // Shows the question box once the API answers (with the key, when one is needed); asks the URL's question once.
  async function start() {
    while (!(await readiness())) await new Promise((r) => setTimeout(r, 2000));
    let stats;
    try {
      stats = await api("GET", "/v1/stats");
    } catch (err) {
      if (err.status === 401) { askForKey(sessionStorage.getItem(KEY) ? "The API key was refused: enter it again." : ""); return; }
      showError(err);
      return;
    }
    showStats(stats);
    $("key-form").hidden = true;
    $("ask-form").hidden = false;
    document.body.dataset.ready = "1";
    const params = new URLSearchParams(location.search);
    if (["short", "free", "extractive"].includes(params.get("style"))) $("style").value = params.get("style");
    if (!started && params.get("q")) {
      started = true;
      setMode(params.get("mode"));
      $("q").value = params.get("q");
      run();
    } else {
      $("q").focus();
    }
    setInterval(readiness, 15000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("ask-form").addEventListener("submit", (e) => { e.preventDefault(); run(); });
    $("key-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const key = $("key").value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY, key);
      $("key").value = "";
      start();
    });
    $("q").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); run(); }
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { stop(); }
      else if (e.key === "/" && document.activeElement !== $("q") && document.activeElement.tagName !== "INPUT") { e.preventDefault(); $("q").focus(); }
    });
    $("stop").addEventListener("click", stop);
    $("up").addEventListener("click", () => feedback(1));
    $("down").addEventListener("click", () => feedback(-1));
    for (const r of document.querySelectorAll("input[name=mode]")) r.addEventListener("change", () => { setMode(mode()); $("q").focus(); });
    start();
  });
})();
"""#
}
