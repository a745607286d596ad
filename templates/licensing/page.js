(function () {
  'use strict';
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  function say(el, text, ok) {
    var target = (el && el.querySelector('[data-msg]')) || (el && el.parentElement && el.parentElement.querySelector('[data-msg]')) || document.getElementById('page-message');
    target.textContent = text;
    target.className = ok ? 'ok' : 'err';
  }
  function send(method, url, body, el) {
    var init = { method: method, headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin' };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (res) {
      return res.text().then(function (t) {
        var j = null; try { j = JSON.parse(t); } catch (e) { /* not JSON */ }
        if (!res.ok) { say(el, (j && j.error && j.error.message) || ('failed: HTTP ' + res.status), false); return; }
        var msg = 'Saved.';
        if (j && j.status === 'applied') msg = 'Applied: now ' + j.requestedQuantity + '.';
        else if (j && j.status === 'pending') msg = 'Submitted: waiting for approval.';
        else if (j && j.status === 'failed') msg = 'Pax8 refused the change: ' + j.failureReason;
        else if (j && j.status === 'rejected') msg = 'Rejected.';
        try { sessionStorage.setItem('licensing-message', msg); } catch (e) { /* ignore */ }
        location.reload();
      });
    }, function () { say(el, 'network error', false); });
  }
  function formBody(form) {
    var body = {};
    var fields = form.querySelectorAll('[name][data-type]');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i], t = f.getAttribute('data-type'), n = f.name, v = f.value;
      if (t === 'bool') body[n] = f.checked;
      else if (t === 'checked-list') { body[n] = body[n] || []; if (f.checked) body[n].push(v); }
      else if (t === 'int') body[n] = v === '' ? '' : v;
      else if (t === 'nullint') body[n] = v === '' ? null : v;
      else if (t === 'tri') body[n] = v === '' ? null : v === 'true';
      else if (t === 'opttext') { if (v.trim() !== '') body[n] = v; }
      else body[n] = v;
    }
    return body;
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.hasAttribute('data-api')) return;
    e.preventDefault();
    send(form.getAttribute('data-api'), form.getAttribute('data-url'), formBody(form), form);
  });
  document.addEventListener('click', function (e) {
    var b = e.target.closest('[data-call]');
    if (b) {
      var raw = b.getAttribute('data-body');
      send(b.getAttribute('data-call'), b.getAttribute('data-url'), raw ? JSON.parse(raw) : undefined, b.closest('td,form,div'));
      return;
    }
    var all = e.target.closest('[data-select-all]');
    if (all) {
      var boxes = document.querySelectorAll('input[name="' + all.getAttribute('data-select-all') + '"]');
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
    }
  });
  try {
    var m = sessionStorage.getItem('licensing-message');
    if (m) { sessionStorage.removeItem('licensing-message'); say(null, m, !/refused|failed/i.test(m)); }
  } catch (e) { /* ignore */ }
})();
