// The diary's small charts, one per scale, drawn with uPlot (/static/vendor/uplot, MIT licence).
(function () {
  "use strict";
  var box = document.getElementById("diary-chart");
  if (!window.uPlot || !box) return;
  var COLOURS = { pain: "#b3261e", stress: "#6a3d9a", spasm: "#0b5cad", stiffness: "#8a4b00",
                  sleep: "#2e7d32", mark: "#444" };

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function day(seconds) {  // "9 Nov": the day, as the rest of the page writes dates
    var d = new Date(seconds * 1000);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()];
  }

  function width(el) { return Math.max(260, el.clientWidth || el.parentNode.clientWidth || 600); }

  function draw(el, d) {
    var data = [d.x];
    var series = [{ label: "Day", value: "{DD} {MMM}" }];
    d.series.forEach(function (s) {
      data.push(s.values);
      series.push({ label: s.label, stroke: COLOURS[s.key], width: 2, spanGaps: false,
                    points: { show: true, size: 6 } });
    });
    var marks = d.marks || [];
    var opts = {
      width: width(el), height: 170, series: series,
      legend: { show: true, live: false },
      scales: {
        x: { range: function (u, lo, hi) { return [lo - 43200, hi + 43200]; } },
        y: { range: d.range }
      },
      axes: [{ space: 60, values: function (u, ticks) { return ticks.map(day); } },
             { label: d.unit, size: 56, labelSize: 18 }],
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
    var plot = new uPlot(opts, data, el);
    el.dataset.drawn = "true";
    if (window.ResizeObserver) {
      new ResizeObserver(function () { plot.setSize({ width: width(el), height: plot.height }); })
        .observe(el.parentNode);
    }
    return marks.length;
  }

  var points = 0, marks = 0;
  box.querySelectorAll("script.diary-chart-data").forEach(function (node) {
    var d = JSON.parse(node.textContent);
    var el = document.getElementById(node.getAttribute("data-target"));
    if (!el) return;
    marks = draw(el, d);
    points += d.points;
  });
  box.dataset.points = String(points);
  box.dataset.marks = String(marks);
  box.dataset.drawn = "true";
})();
