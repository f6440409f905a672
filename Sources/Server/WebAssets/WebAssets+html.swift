/// The page at `/`: markup only (its script and style are its own files, as the Content-Security-Policy requires).
extension WebAssets {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rag: ask the documents</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1><a href="/">rag</a></h1>
  <p id="status" class="status" aria-live="polite">connecting…</p>
</header>
<main>
  <form id="key-form" class="panel" hidden>
    <label for="key">This server needs an API key</label>
    <div class="row">
      <input id="key" type="password" autocomplete="off" spellcheck="false" placeholder="API key">
      <button type="submit">Use key</button>
    </div>
    <p class="hint">The key stays in this tab's session storage and is sent as <code>Authorization: Bearer</code>.</p>
    <p id="key-error" class="error" role="alert"></p>
  </form>

  <form id="ask-form" class="panel" role="search" hidden>
    <div class="modes" role="radiogroup" aria-label="Mode">
      <label><input type="radio" name="mode" value="ask" checked> Ask</label>
      <label><input type="radio" name="mode" value="search"> Search</label>
      <label class="style">Answer <select id="style" aria-label="Answer style">
        <option value="">default</option><option value="short">short (copied from the documents)</option>
        <option value="free">free (written by the generator)</option><option value="extractive">extractive (best sentences)</option>
      </select></label>
    </div>
    <div class="row">
      <textarea id="q" rows="2" placeholder="Ask a question about the documents" aria-label="Question" spellcheck="false"></textarea>
      <button id="go" type="submit">Ask</button>
      <button id="stop" type="button" hidden>Stop</button>
    </div>
    <p class="hint"><kbd>Enter</kbd> asks · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <kbd>Esc</kbd> stops · <kbd>/</kbd> back to the box</p>
  </form>

  <p id="error" class="error" role="alert" hidden></p>

  <section id="answer-section" hidden>
    <h2>Answer</h2>
    <div id="answer" class="answer" aria-live="polite"></div>
    <p id="answer-meta" class="meta"></p>
    <div id="feedback" class="feedback" hidden>
      <span>Was this helpful?</span>
      <button id="up" type="button" aria-label="Helpful">&#x25B2; Yes</button>
      <button id="down" type="button" aria-label="Not helpful">&#x25BC; No</button>
      <span id="feedback-status" class="meta" aria-live="polite"></span>
    </div>
    <h2 id="sources-title" hidden>Evidence and sources</h2>
    <ol id="sources" class="hits"></ol>
  </section>

  <section id="results-section" hidden>
    <h2>Search results</h2>
    <ol id="results" class="hits"></ol>
  </section>
</main>
<footer id="stats" class="stats"></footer>
</body>
</html>
"""#

    static let favicon = #"""
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2458a6"/><path d="M4 4h5a3 3 0 0 1 0 6H7l3 3H8l-3-3V4zm2 2v2h3a1 1 0 0 0 0-2z" fill="#fff"/></svg>
"""#
}
