/** The demo's CSS. */

/** The demo's stylesheet, served as `/styles.css` (the Content-Security-Policy forbids inline styles). */
export const STYLESHEET = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --accent: #0b6e4f; --accent-dark: #085a40;
  --bg: #f5f7fa; --card: #fff; --border: #d9dee7; --warn-bg: #fff6e0; --warn: #7a5300; --err: #a4161a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: var(--card); border-bottom: 1px solid var(--border); }
header .bar { max-width: 46rem; margin: 0 auto; padding: .75rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; }
header a.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
.card > :first-child { margin-top: 0; }
.card > :last-child { margin-bottom: 0; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: .6rem; padding: 1rem 1.1rem; margin: 0 0 1rem; }
.badge { display: inline-block; font-size: .8rem; font-weight: 600; padding: .15rem .55rem; border-radius: 1rem; }
.badge.emulator { background: var(--warn-bg); color: var(--warn); border: 1px solid #f0d48a; }
.badge.instance { background: #e8eefc; color: #1f3f8a; border: 1px solid #b4c6f0; }
.badge.real { background: #e3f4ec; color: var(--accent-dark); border: 1px solid #a9dcc4; }
.muted { color: var(--muted); }
.note { background: var(--warn-bg); color: var(--warn); border-radius: .4rem; padding: .5rem .75rem; font-size: .95rem; }
.note.ok { background: #e3f4ec; color: var(--accent-dark); }
/* A button and a link side by side: enough room that neither is tapped for the other. */
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.5rem; }
.error-code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; color: var(--muted); }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .6rem 1.1rem; border-radius: .45rem;
  border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
button:hover, .button:hover { background: var(--accent-dark); }
button.secondary, .button.secondary { background: var(--card); color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); padding: 0; font-weight: 600; text-decoration: underline; }
form.inline { display: inline; margin: 0; }
label { font-weight: 600; display: block; margin: .25rem 0; }
input[type=text] { font: inherit; width: 100%; max-width: 22rem; padding: .5rem .6rem; border: 1px solid var(--border); border-radius: .4rem; }
fieldset { border: none; padding: 0; margin: .75rem 0; }
fieldset label { display: inline-flex; gap: .35rem; align-items: center; font-weight: normal; margin-right: 1rem; }
legend { font-weight: 600; padding: 0; }
.row { margin: .75rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .88rem; }
pre { background: #1d2330; color: #e8ecf3; padding: .75rem; border-radius: .4rem; white-space: pre-wrap; overflow-wrap: anywhere; }
table.files { width: 100%; border-collapse: collapse; font-size: .95rem; }
table.files th, table.files td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--border); overflow-wrap: anywhere; }
table.files th { color: var(--muted); font-weight: 600; }
table.files td.size { text-align: right; white-space: nowrap; }
footer { max-width: 46rem; margin: 1rem auto 2rem; padding: 0 1rem; font-size: .85rem; color: var(--muted); }
@media (max-width: 30rem) { dl { grid-template-columns: 1fr; } dd { margin-bottom: .4rem; } h1 { font-size: 1.35rem; } }
`;
