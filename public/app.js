// Progressive enhancement only: every page works without this file.
document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  // A button's own question (bulk actions share one form) before the form's.
  const submitter = e.submitter instanceof HTMLElement ? e.submitter : null;
  const question = submitter?.dataset.confirm ?? form.dataset.confirm;
  if (question && !window.confirm(question)) { e.preventDefault(); return; }
  const busy = form.dataset.busy;
  const button = form.querySelector('button[type="submit"], button:not([type])');
  if (busy && button) { button.disabled = true; button.textContent = busy; }
});
