// Agendash's row actions are <span>s with a click handler: this makes each one a keyboard control (Tab reaches it,
// Enter or Space runs it, a screen reader hears its title as a button). Served from our origin (the jobs dashboard's
// CSP allows same-origin scripts only); Agendash itself is untouched.
(function () {
  'use strict';
  function enable(root) {
    root.querySelectorAll('.action-btn:not([tabindex])').forEach(function (el) {
      el.setAttribute('tabindex', '0');
      el.setAttribute('role', 'button');
      if (!el.getAttribute('aria-label') && el.getAttribute('title')) el.setAttribute('aria-label', el.getAttribute('title'));
    });
  }
  document.addEventListener('keydown', function (e) {
    var el = e.target;
    if (!(el instanceof HTMLElement) || !el.classList.contains('action-btn')) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      el.click();
    }
  });
  function start() {
    enable(document);
    new MutationObserver(function () { enable(document); }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
