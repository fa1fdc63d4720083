/**
 * The page's only stylesheet, inlined in a `<style>` element (the
 * Content-Security-Policy of http-server.ts allows inline styles, never
 * scripts). Narrow screens get one card per table row.
 */
export const STYLE = `
:root { --red: #b3261e; --red-bg: #fdecea; --amber: #8a5a00; --amber-bg: #fff4d6; --green: #1e6b2f; --green-bg: #e6f4ea; --blue-bg: #e8f0fe; --line: #d0d4da; --muted: #5f6670; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.25rem 1.5rem 2rem; color: #1f2328; line-height: 1.4; font-size: 15px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 1rem; }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); margin: 0; font-weight: 600; }
.meta, .note { color: var(--muted); font-size: 0.85rem; margin: 0.25rem 0; }
.n { color: var(--muted); font-weight: normal; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85em; background: #f1f3f5; padding: 0 0.2em; border-radius: 3px; }
a { color: #0b57d0; }
time { text-decoration: underline dotted #999; text-underline-offset: 2px; }
.none { color: #999; }
.ctl { color: #fff; background: #6f42c1; border-radius: 2px; padding: 0 0.15em; font-family: ui-monospace, monospace; font-size: 0.85em; }
.banner { margin: 1rem 0; padding: 0.75rem 1rem; border-radius: 6px; border-left: 8px solid; }
.banner h2 { margin: 0 0 0.35rem; font-size: 1.35rem; }
.banner p, .banner ul { margin: 0.3rem 0; }
.outcome-complete { background: var(--green-bg); border-color: var(--green); }
.outcome-complete h2 { color: var(--green); }
.outcome-failed { background: var(--red-bg); border-color: var(--red); }
.outcome-failed h2, .outcome-failed .error strong { color: var(--red); }
.outcome-none { background: var(--amber-bg); border-color: var(--amber); }
#scan-error, #problems li { font-family: ui-monospace, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
.running { background: var(--blue-bg); padding: 0.3rem 0.5rem; border-radius: 4px; }
#health { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 0.6rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; background: #fff; }
.card .state { font-size: 1.25rem; font-weight: 600; margin: 0.15rem 0; }
.card .detail { color: var(--muted); font-size: 0.8rem; margin: 0; overflow-wrap: anywhere; }
.source-up { border-left: 6px solid var(--green); } .source-up .state { color: var(--green); }
.source-down { border-left: 6px solid var(--red); background: var(--red-bg); } .source-down .state { color: var(--red); }
.source-unknown { border-left: 6px solid var(--amber); } .source-unknown .state { color: var(--amber); }
.card.warn { border-left: 6px solid var(--amber); background: var(--amber-bg); }
#counts { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 1rem 0; }
.count { display: inline-flex; gap: 0.4rem; align-items: baseline; padding: 0.3rem 0.65rem; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; color: inherit; background: #fff; }
.count.current { outline: 2px solid #1f2328; }
.count.zero { opacity: 0.55; }
.count.status-invalid:not(.zero), .count.status-digest_mismatch:not(.zero), .count.status-expired:not(.zero) { background: var(--red-bg); border-color: var(--red); }
.count.status-error:not(.zero), .count.status-unsigned:not(.zero) { background: var(--amber-bg); border-color: var(--amber); }
.count.status-signed:not(.zero) { background: var(--green-bg); border-color: var(--green); }
.badge { display: inline-block; padding: 0.05rem 0.45rem; border-radius: 4px; font-size: 0.8rem; font-weight: 600; color: #fff; text-decoration: none; white-space: nowrap; }
.badge.status-invalid, .badge.status-digest_mismatch, .badge.status-expired { background: var(--red); }
.badge.status-error { background: #c2410c; }
.badge.status-unsigned { background: var(--amber); }
.badge.status-signed { background: var(--green); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; font-size: 0.875rem; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; white-space: nowrap; }
td { white-space: nowrap; }
td.reason { white-space: normal; overflow-wrap: anywhere; min-width: 20rem; }
td.gun, td.role { white-space: nowrap; }
tr.status-invalid td:first-child, tr.status-digest_mismatch td:first-child, tr.status-expired td:first-child { box-shadow: inset 4px 0 var(--red); }
tr.status-error td:first-child { box-shadow: inset 4px 0 #c2410c; }
tr.status-unsigned td:first-child { box-shadow: inset 4px 0 var(--amber); }
tbody tr:nth-child(even) { background: #fafbfc; }
td.expiry.soon, tr.past td, tr.soon td:last-child { color: var(--red); font-weight: 600; }
.pager { display: flex; flex-wrap: wrap; gap: 0.35rem 0.6rem; align-items: baseline; margin: 0.5rem 0; font-size: 0.9rem; }
.pager .range { color: var(--muted); margin-right: 0.5rem; }
.disabled, .gap { color: #aaa; }
#runbooks summary { cursor: pointer; }
#runbooks summary h2 { display: inline-block; }
#runbooks dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.4rem 1rem; margin: 0; }
#runbooks dl > div { display: contents; }
#runbooks dt { font-weight: 600; }
#runbooks dd { margin: 0; }
#runbooks dl > div:target dd { background: #fff8c5; }
footer { margin-top: 2rem; color: var(--muted); font-size: 0.85rem; }
@media (max-width: 700px) {
  body { margin: 0.75rem; font-size: 14px; }
  .banner { padding: 0.6rem 0.75rem; }
  #health { grid-template-columns: 1fr 1fr; }
  #findings, #findings tbody, #findings tr, #findings td, #expiring-roles, #expiring-roles tbody, #expiring-roles tr, #expiring-roles td { display: block; width: auto; }
  #findings thead, #expiring-roles thead { display: none; }
  #findings tr, #expiring-roles tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 0.6rem; padding: 0.3rem 0; background: #fff; }
  #findings td, #expiring-roles td { border: none; padding: 0.1rem 0.6rem; white-space: normal; overflow-wrap: anywhere; min-width: 0; }
  #findings td::before, #expiring-roles td::before { content: attr(data-label) ": "; color: var(--muted); font-size: 0.8rem; }
  #findings td:first-child::before { content: ""; }
  tr.status-invalid td:first-child, tr.status-digest_mismatch td:first-child, tr.status-expired td:first-child, tr.status-error td:first-child, tr.status-unsigned td:first-child { box-shadow: none; }
  tr.status-invalid, tr.status-digest_mismatch, tr.status-expired { border-left: 6px solid var(--red) !important; }
  tr.status-error { border-left: 6px solid #c2410c !important; }
  tr.status-unsigned { border-left: 6px solid var(--amber) !important; }
  #runbooks dl { grid-template-columns: 1fr; }
}
`;
