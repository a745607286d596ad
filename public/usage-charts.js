// Draws the usage review charts with Chart.js (served from our own origin). Each <canvas data-chart="…"> carries its
// figures as JSON: {kind, title, currency, labels, series: [{label, values}]}; amounts are decimal text.
(() => {
  const COLORS = ['#1d5fb0', '#2e9d5b', '#c77700', '#8a3ab9'];
  function draw(canvas) {
    const chart = JSON.parse(canvas.dataset.chart);
    const currency = chart.currency ? `${chart.currency} ` : '';
    // eslint-disable-next-line no-undef
    new Chart(canvas, {
      type: chart.kind,
      data: {
        labels: chart.labels,
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
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
})();
