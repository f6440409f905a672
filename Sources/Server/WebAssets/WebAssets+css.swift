/// The page's style sheet (/app.css): system fonts only, one column that fits a phone.
extension WebAssets {
    static let css = #"""
:root { --fg: #1b1f24; --muted: #5b6470; --bg: #f6f7f9; --card: #fff; --line: #d8dde3; --accent: #2458a6; --mark: #ffe58a; --err: #b42318; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8eb; --muted: #9aa3ad; --bg: #14171b; --card: #1d2227; --line: #323941; --accent: #7aa7ec; --mark: #6b5a12; --err: #ff8a80; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); }
.top h1 { margin: 0; font-size: 1.25rem; }
.top h1 a { color: var(--accent); text-decoration: none; }
.status { margin: 0; color: var(--muted); font-size: .9rem; }
.status.ok::before { content: "\25CF "; color: #2e7d32; }
.status.wait::before { content: "\25CF "; color: #c77700; }
.status.bad::before { content: "\25CF "; color: var(--err); }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; margin-bottom: 1rem; }
.row { display: flex; gap: .5rem; align-items: stretch; }
textarea, input[type=password] { flex: 1; min-width: 0; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .6rem; resize: vertical; }
textarea:focus, input:focus, button:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button[disabled] { opacity: .5; cursor: default; }
#stop, .feedback button { background: transparent; color: var(--accent); }
.feedback button.chosen { background: var(--accent); color: #fff; opacity: 1; }
.modes { display: flex; gap: 1rem; margin-bottom: .5rem; }
.hint, .meta { color: var(--muted); font-size: .85rem; margin: .4rem 0 0; }
kbd { font: .8rem ui-monospace, monospace; border: 1px solid var(--line); border-radius: 3px; padding: 0 .25rem; }
label { font-weight: 600; }
.modes label { font-weight: normal; }
h2 { font-size: 1rem; margin: 1.25rem 0 .5rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.answer { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; white-space: pre-wrap; overflow-wrap: anywhere; min-height: 2.5rem; }
.answer.streaming::after { content: "\258D"; color: var(--accent); animation: blink 1s steps(2) infinite; }
@keyframes blink { 50% { opacity: 0; } }
.feedback { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin-top: .5rem; }
.hits { list-style: none; padding: 0; margin: 0; }
.hits li { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin-bottom: .5rem; }
.hits summary { padding: .5rem .75rem; cursor: pointer; overflow-wrap: anywhere; }
.hits .n { color: var(--accent); font-weight: 700; margin-right: .35rem; }
.hits .path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9rem; }
.hits .heading { display: block; color: var(--muted); font-size: .85rem; }
.hits .score { color: var(--muted); font-size: .8rem; margin-left: .35rem; }
.chunk { margin: 0; padding: .5rem .75rem .75rem; border-top: 1px solid var(--line); white-space: pre-wrap; overflow-wrap: anywhere; font-size: .92rem; }
mark { background: var(--mark); color: inherit; border-radius: 2px; }
.error { color: var(--err); }
.stats { max-width: 52rem; margin: 0 auto; padding: .5rem 1rem 2rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 480px) {
  main { padding: .5rem; }
  .row { flex-wrap: wrap; }
  .row textarea, .row input { flex-basis: 100%; }
  .row button { flex: 1; }
}
"""#
}
