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
`;
