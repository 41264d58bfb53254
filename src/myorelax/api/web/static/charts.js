// Charts drawn with uPlot (served from /static/vendor/uplot, MIT licence).
(function () {
  "use strict";
  if (!window.uPlot) return;

  var COLOURS = {
    patient: "#0b5cad", typical: "#4d4d4d", band: "rgba(11, 92, 173, 0.16)", bandLine: "#6f9fd8",
    pain: "#b3261e", stress: "#6a3d9a", spasm: "#0b5cad", sleep: "#2e7d32", mark: "#444"
  };

  function width(el) { return Math.max(280, el.clientWidth || el.parentNode.clientWidth || 600); }

  function count(values) {
    return values.filter(function (v) { return v !== null && v !== undefined; }).length;
  }

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
    var opts = {
      width: width(el), height: 320, series: series,
      scales: { x: { time: false } },
      axes: [{ label: d.x_label }, { label: d.unit, size: 64 }],
      bands: low > 0 && high > 0 ? [{ series: [high, low], fill: COLOURS.band }] : []
    };
    el.dataset.series = String(d.series.length);
    el.dataset.points = String(d.x.length);
    return new uPlot(opts, data, el);
  }

  function diary(el, d) {
    var data = [d.x];
    var series = [{ label: "Day", value: "{YYYY}-{MM}-{DD}" }];
    var points = 0;
    d.series.forEach(function (s) {
      data.push(s.values);
      points += count(s.values);
      series.push({
        label: s.label, stroke: COLOURS[s.key], width: 2, spanGaps: false,
        points: { show: true, size: 6 }
      });
    });
    var marks = d.marks || [];
    var opts = {
      width: width(el), height: 300, series: series,
      scales: {
        x: { range: function (u, lo, hi) { return [lo - 43200, hi + 43200]; } },
        y: { range: [0, 12] }
      },
      axes: [{}, { label: "score / hours" }],
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = COLOURS.mark;
          ctx.setLineDash([5, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          marks.forEach(function (m) {
            var x = Math.round(u.valToPos(m.x, "x", true));
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          });
          ctx.restore();
        }]
      }
    };
    el.dataset.points = String(points);
    el.dataset.marks = String(marks.length);
    if (marks.length) {
      var list = document.createElement("ul");
      list.className = "marks";
      marks.forEach(function (m) {
        var li = document.createElement("li");
        li.textContent = m.label;
        list.appendChild(li);
      });
      el.after(list);
    }
    return new uPlot(opts, data, el);
  }

  document.querySelectorAll("script.chart-data").forEach(function (node) {
    var d = JSON.parse(node.textContent);
    var el = document.getElementById(node.getAttribute("data-target"));
    if (!el) return;
    var plot = node.getAttribute("data-kind") === "diary" ? diary(el, d) : simulation(el, d);
    el.dataset.drawn = "true";
    if (window.ResizeObserver) {
      new ResizeObserver(function () { plot.setSize({ width: width(el), height: plot.height }); })
        .observe(el.parentNode);
    }
  });
})();
