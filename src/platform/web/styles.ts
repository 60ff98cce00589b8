/** One small stylesheet for every page (login, consent, console): no fonts, no CDN. */
export const APP_CSS = `
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#5b6470; --bg:#f5f6f8; --card:#fff; --line:#d9dde3;
  --accent:#3b5bdb; --accent-fg:#fff; --danger:#c92a2a; --ok:#2b8a3e; }
@media (prefers-color-scheme: dark) { :root { --fg:#e9ecef; --muted:#adb5bd; --bg:#101214; --card:#1a1d21;
  --line:#2f343a; --accent:#748ffc; --accent-fg:#0b0d10; } }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg);
  background:var(--bg); display:flex; justify-content:center; padding:24px 12px; }
.card { width:100%; max-width:420px; background:var(--card); border:1px solid var(--line); border-radius:12px;
  padding:24px; }
.card.wide { max-width:960px; }
.brand { font-weight:700; letter-spacing:.04em; color:var(--accent); margin:0 0 8px; }
h1 { font-size:1.4rem; margin:0 0 16px; } h2 { font-size:1.1rem; margin:24px 0 8px; }
label { display:block; font-weight:600; margin:12px 0 4px; }
input[type=text], input[type=email], input[type=password], input[type=url], input[type=date], textarea, select {
  width:100%; padding:10px; border:1px solid var(--line); border-radius:8px; background:transparent; color:inherit;
  font:inherit; }
input:focus, button:focus, a:focus, textarea:focus, select:focus { outline:3px solid var(--accent); outline-offset:1px; }
button, .button { display:inline-block; margin-top:16px; padding:10px 16px; border-radius:8px; border:1px solid var(--accent);
  background:var(--accent); color:var(--accent-fg); font:inherit; font-weight:600; cursor:pointer; text-decoration:none; }
button.secondary, .button.secondary { background:transparent; color:var(--accent); }
button.danger { background:var(--danger); border-color:var(--danger); color:#fff; }
.row { display:flex; gap:8px; flex-wrap:wrap; align-items:center; }
.error { color:var(--danger); font-size:.95rem; margin:4px 0 0; }
.notice { border:1px solid var(--line); border-left:4px solid var(--accent); padding:8px 12px; border-radius:6px; margin:12px 0; }
.notice.ok { border-left-color:var(--ok); } .notice.bad { border-left-color:var(--danger); }
.muted { color:var(--muted); font-size:.95rem; }
ul.scopes { padding-left:20px; } ul.scopes li { margin:4px 0; }
code, pre, .secret { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.9rem; }
pre { white-space:pre-wrap; word-break:break-all; background:var(--bg); padding:10px; border-radius:8px; border:1px solid var(--line); }
.secret { display:block; word-break:break-all; background:var(--bg); padding:10px; border-radius:8px; border:1px dashed var(--accent); }
table { width:100%; border-collapse:collapse; font-size:.95rem; } th, td { text-align:left; padding:8px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
.table-wrap { overflow-x:auto; }
nav.top { display:flex; gap:12px; flex-wrap:wrap; margin-bottom:16px; } nav.top a { color:var(--accent); }
fieldset { border:1px solid var(--line); border-radius:8px; margin:12px 0; } legend { font-weight:600; }
.checkbox { display:flex; gap:8px; align-items:center; font-weight:400; margin:6px 0; }

/* Developer console */
.card a:not(.button) { color:var(--accent); }
.card a.danger-link { color:var(--danger); }
code.value { display:block; word-break:break-all; background:var(--bg); padding:10px; border-radius:8px; border:1px solid var(--line); }
[hidden] { display:none !important; }
.visually-hidden { position:absolute; width:1px; height:1px; padding:0; margin:-1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; border:0; }
.skip { position:absolute; left:-9999px; top:8px; background:var(--card); padding:8px 12px; border-radius:6px; z-index:10; }
.skip:focus { left:12px; }
#content:focus { outline:none; }
.console-header { border-bottom:1px solid var(--line); margin:0 -24px 20px; padding:0 24px 8px; }
nav.top { align-items:center; }
nav.top a { text-decoration:none; padding:4px 2px; border-bottom:2px solid transparent; }
nav.top a:hover { border-bottom-color:var(--line); }
nav.top a[aria-current=page] { color:var(--fg); font-weight:600; border-bottom-color:var(--accent); }
nav.top form.inline { margin-left:auto; }
button.link { background:none; border:none; color:var(--accent); padding:4px 2px; margin:0; font-weight:400; text-decoration:underline; }
.who { margin:0; }
.heading-row { display:flex; justify-content:space-between; align-items:center; gap:12px; flex-wrap:wrap; }
.heading-row h1 { margin:0; } .heading-row .button { margin-top:0; }
.crumbs { margin:0 0 4px; font-size:.95rem; }
.panel { border:1px solid var(--line); border-radius:10px; padding:4px 16px 12px; margin:16px 0; }
.steps { padding-left:20px; } .steps li { margin:12px 0; }
.stats { list-style:none; padding:0; display:flex; gap:12px; flex-wrap:wrap; }
.stats li { border:1px solid var(--line); border-radius:8px; padding:8px 12px; }
.empty { border:1px dashed var(--line); border-radius:8px; padding:16px; }
form.stacked { max-width:640px; }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.9rem; }
input[aria-invalid=true], textarea[aria-invalid=true], fieldset[aria-invalid=true] { border-color:var(--danger); }
.outbox a, .outbox p { overflow-wrap:anywhere; } .outbox h2 { font-size:1rem; margin:0 0 4px; }
.copyable { margin:8px 0 12px; } .copyable pre, .copyable .secret { margin:0; }
.copyable .row button { margin-top:8px; padding:6px 12px; }
.copy-status { margin-top:8px; }
.once { border:2px solid var(--ok); border-radius:10px; padding:4px 16px 12px; margin:16px 0; }
.field-label { font-weight:600; margin:12px 0 4px; }
.tags code.tag { display:inline-block; border:1px solid var(--line); border-radius:999px; padding:0 8px; margin:0 4px 4px 0; font-size:.8rem; }
.badge { display:inline-block; border-radius:999px; padding:0 8px; font-size:.8rem; font-weight:600; border:1px solid var(--line); white-space:nowrap; }
.badge.ok { color:var(--ok); border-color:var(--ok); } .badge.bad { color:var(--danger); border-color:var(--danger); }
.badge.warn { color:#a15c00; border-color:#a15c00; }
@media (prefers-color-scheme: dark) { .badge.warn { color:#f0a33a; border-color:#f0a33a; } }
td.actions a { margin-right:12px; white-space:nowrap; }
a.button.danger { background:var(--danger); border-color:var(--danger); color:#fff; }
.danger-zone { border-top:1px solid var(--line); margin-top:24px; }
ul.cards { list-style:none; padding:0; } .card-item { border:1px solid var(--line); border-radius:10px; padding:4px 16px 12px; margin:12px 0; }
.card-item h2 { margin-top:12px; }
ol.events { list-style:none; padding:0; } ol.events li { display:flex; flex-wrap:wrap; gap:4px 12px; padding:8px 0; border-bottom:1px solid var(--line); }
ol.events li time { font-variant-numeric:tabular-nums; color:var(--muted); min-width:12em; }
ol.events li.alarming .what { color:var(--danger); font-weight:600; }
.small { font-size:.8rem; word-break:break-all; }
code.verifier { word-break:break-all; }
.offscreen { position:fixed; left:-9999px; top:0; }
@media (max-width: 640px) {
  body { padding:8px 4px; } .card { padding:16px; } .console-header { margin:0 -16px 16px; padding:0 16px 8px; }
  nav.top form.inline { margin-left:0; }
  table.stack thead { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display:block; width:100%; }
  table.stack tr { border:1px solid var(--line); border-radius:8px; margin:0 0 12px; padding:4px 8px; }
  table.stack td { border:none; padding:4px 0; display:flex; gap:8px; }
  table.stack td::before { content:attr(data-label); font-weight:600; min-width:6.5em; flex-shrink:0; }
  table.stack td code { word-break:break-all; }
  ol.events li time { min-width:0; }
}
`;
