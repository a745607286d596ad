// Draws the usage review charts with Chart.js (served from our own origin). Each <canvas data-chart="…"> carries its
// figures as JSON: {kind, title, currency, labels, series: [{label, values}]}; amounts are decimal text.
(() => {
  const COLORS = ['#1d5fb0', '#2e9d5b', '#c77700', '#8a3ab9'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // Days and months in words on the axis ("7 Dec", "Dec 2026"), as on the pages; the figures keep the API's dates.
  function labelText(l) {
    let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(l);
    if (m) return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]}`;
    m = /^(\d{4})-(\d{2})$/.exec(l);
    if (m) return `${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
    return l;
  }
  // A canvas with data-chart-src fetches its figures (the API's JSON, field data-chart-key) instead.
  async function load(canvas) {
    const status = canvas.parentElement && canvas.parentElement.querySelector('.chart-status');
    try {
      const res = await fetch(canvas.dataset.chartSrc, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      const body = await res.json();
      if (!res.ok) throw new Error((body.error && body.error.message) || `HTTP ${res.status}`);
      const chart = body[canvas.dataset.chartKey];
      if (!chart) { if (status) status.textContent = 'No usage has been imported yet.'; return; }
      draw(canvas, chart);
      if (status) status.textContent = '';
    } catch (err) {
      if (status) status.textContent = `The figures could not be loaded: ${err.message}`;
    }
  }
  function draw(canvas, given) {
    const chart = given || JSON.parse(canvas.dataset.chart);
    const currency = chart.currency ? `${chart.currency} ` : '';
    // eslint-disable-next-line no-undef
    new Chart(canvas, {
      type: chart.kind,
      data: {
        labels: chart.labels.map(labelText),
        datasets: chart.series.map((s, i) => ({
          label: s.label, data: s.values.map(Number), backgroundColor: COLORS[i % COLORS.length], borderColor: COLORS[i % COLORS.length],
        })),
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: {
          title: { display: true, text: chart.title },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${currency}${Number(c.raw).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` } },
        },
        scales: { y: { title: { display: Boolean(chart.currency), text: chart.currency || '' } } },
      },
    });
    canvas.dataset.rendered = 'true';
  }
  function drawAll() {
    if (typeof window.Chart !== 'function') return;
    for (const c of document.querySelectorAll('canvas[data-chart]')) draw(c);
    for (const c of document.querySelectorAll('canvas[data-chart-src]')) load(c);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
})();
