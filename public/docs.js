// The API docs page (/api/docs, src/http/api/docs.ts): lists every operation of /api/openapi.json, all text inserted as text.
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
