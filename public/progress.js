// The progress panel of a long action (sync, preview import, invoice run): it asks its page's JSON route for the panel again
// every few seconds while something runs or waits, and stops when nothing does. The page works without this file:
// the panel is rendered by the server from what is persisted, so a reload shows it too.
(() => {
  const panel = document.querySelector('[data-progress-url]');
  if (!(panel instanceof HTMLElement)) return;
  const url = panel.dataset.progressUrl;
  let failures = 0;
  const refresh = async () => {
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      if (!res.ok || !(res.headers.get('content-type') ?? '').includes('application/json')) throw new Error(String(res.status));
      const body = await res.json();
      // The page of one run shows its result once that run no longer runs.
      if (panel.dataset.runId && !(body.running ?? []).includes(panel.dataset.runId)) { window.location.reload(); return; }
      // A page whose list the run changes (the invoices of an invoice run) shows it once nothing runs any more.
      if (panel.dataset.reloadWhenDone === 'true' && !body.active) { window.location.reload(); return; }
      panel.innerHTML = body.html; // rendered and escaped by the server's templates
      panel.dataset.active = body.active ? 'true' : 'false';
      failures = 0;
    } catch {
      failures += 1;
    }
    if (panel.dataset.active === 'true' && failures < 5) setTimeout(refresh, 2000);
  };
  if (panel.dataset.active === 'true') setTimeout(refresh, 2000);
})();
