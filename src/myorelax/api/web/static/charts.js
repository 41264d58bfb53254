// Charts drawn with uPlot (served from /static/vendor/uplot, MIT licence).
(function () {
  "use strict";
  if (!window.uPlot) return;

  var COLOURS = {
    patient: "#0b5cad", typical: "#4d4d4d", band: "rgba(11, 92, 173, 0.16)", bandLine: "#6f9fd8"
  };

  function width(el) { return Math.max(280, el.clientWidth || el.parentNode.clientWidth || 600); }

  function simulation(el, d) {
    var data = [d.x];
    var series = [{ label: "Hours" }];
    var low = -1, high = -1;
    d.series.forEach(function (s, i) {
      data.push(s.values);
      if (s.band === "low") low = i + 1;
      if (s.band === "high") high = i + 1;
      series.push({
        label: s.label,
        stroke: s.band ? COLOURS.bandLine : (i === 0 ? COLOURS.patient : COLOURS.typical),
        width: s.band ? 1 : 2,
        dash: i === 1 ? [6, 4] : undefined,
        value: function (u, v) { return v == null ? "" : v.toPrecision(3) + " " + d.unit; }
      });
    });
    // The legend shows values at this patient's peak until the pointer is over the chart (and
    // again when it leaves), never an empty legend.
    var peak = 0;
    d.series[0].values.forEach(function (v, i) {
      if (v !== null && v > (d.series[0].values[peak] || 0)) peak = i;
    });
    var resetting = false;
    var colours = series.map(function (s) { return s.stroke || "transparent"; });
    var opts = {
      legend: { markers: { fill: function (u, i) { return colours[i]; } } },
      width: width(el), height: 320, series: series,
      scales: { x: { time: false } },
      axes: [{ label: d.x_label }, { label: d.unit, size: 64 }],
      bands: low > 0 && high > 0 ? [{ series: [high, low], fill: COLOURS.band }] : [],
      hooks: {
        ready: [function (u) { u.setLegend({ idx: peak }); }],
        setLegend: [function (u) {
          if (resetting || u.legend.idx != null) return;
          resetting = true;
          u.setLegend({ idx: peak });
          resetting = false;
        }]
      }
    };
    series[0].value = function (u, v) { return v == null ? "" : v.toFixed(1) + " h"; };
    el.dataset.series = String(d.series.length);
    el.dataset.points = String(d.x.length);
    return new uPlot(opts, data, el);
  }

  document.querySelectorAll("script.chart-data").forEach(function (node) {
    var d = JSON.parse(node.textContent);
    var el = document.getElementById(node.getAttribute("data-target"));
    if (!el) return;
    var plot = simulation(el, d);
    el.dataset.drawn = "true";
    if (window.ResizeObserver) {
      new ResizeObserver(function () { plot.setSize({ width: width(el), height: plot.height }); })
        .observe(el.parentNode);
    }
  });
})();
