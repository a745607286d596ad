/**
 * A small, self-contained API docs page (no CDN): it fetches /api/openapi.json and lists every
 * operation with its parameters, body and response schemas. All text is inserted as text.
 */
export function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recurra API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#14325c;color:#fff;padding:12px 24px}main{max-width:1100px;margin:0 auto;padding:16px 24px}
details{background:#fff;border:1px solid #d8dde3;border-radius:6px;margin:6px 0}summary{cursor:pointer;padding:8px 12px}
.m{display:inline-block;min-width:56px;font-weight:600;text-transform:uppercase}.get{color:#0a6}.post{color:#06c}.put,.patch{color:#a60}.delete{color:#c22}
pre{background:#f0f2f5;padding:8px;overflow:auto;max-height:360px;margin:0 12px 12px}.d{padding:0 12px;color:#444;white-space:pre-wrap}
h2{margin-top:24px}code{background:#eef;padding:1px 4px;border-radius:3px}
</style></head><body>
<header><strong>Recurra API</strong> &middot; <a style="color:#cde" href="/api/openapi.json">openapi.json</a> &middot; <a style="color:#cde" href="/">web app</a></header>
<main><p id="intro"></p><div id="ops">Loading&hellip;</div></main>
<script>
(async function(){
  const doc = await (await fetch('/api/openapi.json')).json();
  const el = (t, props, kids) => { const e = document.createElement(t); Object.assign(e, props || {}); (kids || []).forEach(k => e.append(k)); return e; };
  document.getElementById('intro').textContent = doc.info.description;
  const ops = document.getElementById('ops'); ops.textContent = '';
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) (byTag[op.tags[0]] ||= []).push({ path, method, op });
  for (const [tag, list] of Object.entries(byTag)) {
    ops.append(el('h2', { textContent: tag }));
    for (const { path, method, op } of list) {
      const sum = el('summary', {}, [el('span', { className: 'm ' + method, textContent: method }), el('code', { textContent: doc.servers[0].url + path }), ' ' + op.summary]);
      const d = el('details', {}, [sum, el('p', { className: 'd', textContent: op.description || '' })]);
      if (op.parameters && op.parameters.length) d.append(el('pre', { textContent: 'parameters: ' + JSON.stringify(op.parameters, null, 2) }));
      if (op.requestBody) d.append(el('pre', { textContent: 'body: ' + JSON.stringify(op.requestBody.content['application/json'].schema, null, 2) }));
      const ok = Object.entries(op.responses)[0];
      d.append(el('pre', { textContent: 'response ' + ok[0] + ': ' + JSON.stringify(ok[1].content, null, 2) }));
      ops.append(d);
    }
  }
})();
</script></body></html>`;
}
