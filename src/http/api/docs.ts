/**
 * A small, self-contained API docs page (no CDN): public/docs.js fetches /api/openapi.json and lists every
 * operation with its parameters, body and response schemas. All text is inserted as text. Script and styles
 * are files of our own origin, so the page works under the app's CSP (no inline script or style).
 */
export function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recurra API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/docs.css">
<script src="/static/docs.js" defer></script>
</head><body>
<header><strong>Recurra API</strong> &middot; <a href="/api/openapi.json">openapi.json</a> &middot; <a href="/">web app</a></header>
<main><p id="intro"></p><div id="ops">Loading&hellip;</div></main>
</body></html>`;
}
