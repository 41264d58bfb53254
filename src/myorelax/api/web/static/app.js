// myorelax web UI: small progressive enhancements. Every form works without this file.
(function () {
  "use strict";

  // The browser's time zone, so that a downloaded calendar has the right local times.
  var tz = document.getElementById("tz");
  if (tz && !tz.value && window.Intl) {
    tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  }

  // Take the user to the list of problems after a failed submit, or else to the result of what
  // they asked for (the check, the curve, the plan, the record read): focused and at the top.
  var summary = document.getElementById("error-summary");
  var result = document.querySelector("[data-result]");
  if (summary) summary.focus();
  else if (result) {
    result.focus({ preventScroll: true });
    result.scrollIntoView({ block: "start" });
  }

  // A file over the upload limit is named at once, before it is sent (the page says the same
  // when it is sent anyway); the rest of the form stays as typed.
  document.addEventListener("submit", function (e) {
    var button = e.submitter;
    var input = document.getElementById("bundle");
    if (!button || button.value !== "import" || !input || !input.files || !input.files[0]) return;
    var max = Number(input.getAttribute("data-max-bytes") || 0);
    var file = input.files[0];
    if (!max || file.size <= max) return;
    e.preventDefault();
    var err = document.getElementById("bundle-error");
    if (!err) {
      err = document.createElement("p");
      err.className = "field-error";
      err.id = "bundle-error";
      input.before(err);
    }
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = "Error: ";
    err.replaceChildren(hidden, file.name + " (" + (file.size / 1e6).toFixed(1) + " MB) is larger than " +
      input.getAttribute("data-max-label") + ", the most that can be read; export only this patient's record.");
    input.closest(".field").classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "bundle-hint bundle-error");
    input.focus();
  });

  // Suggestions while an order is typed: names, brands, strengths, then frequencies.
  var list = document.getElementById("sig-suggestions");
  var timer = null;
  var lastQuery = null;
  function suggest(input) {
    var q = input.value;
    if (q === lastQuery || !list) return;
    lastQuery = q;
    if (!q.trim()) { list.replaceChildren(); return; }
    fetch("/api/v1/suggest?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (body) {
        if (input.value !== q) return;
        var options = body.suggestions.map(function (s) {
          var o = document.createElement("option");
          o.value = s;
          return o;
        });
        list.replaceChildren.apply(list, options);
      })
      .catch(function () { /* suggestions are a convenience: typing still works */ });
  }
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLInputElement) || !t.classList.contains("sig")) return;
    clearTimeout(timer);
    timer = setTimeout(function () { suggest(t); }, 120);
  });

  // "Add a row" in the medication and order lists.
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLButtonElement) || !t.classList.contains("add-row")) return;
    var box = t.closest(".sig-rows");
    var fields = box.querySelectorAll(".field");
    var last = fields[fields.length - 1];
    var copy = last.cloneNode(true);
    var name = box.getAttribute("data-name");
    var n = fields.length;
    var input = copy.querySelector("input");
    var label = copy.querySelector("label");
    var err = copy.querySelector(".field-error");
    if (err) err.remove();
    copy.classList.remove("has-error");
    input.id = name + "-" + n;
    input.value = "";
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    label.htmlFor = input.id;
    label.textContent = label.textContent.replace(/\d+$/, String(n + 1));
    last.after(copy);
    input.focus();
  });

  // Print only the plan.
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLButtonElement) || !t.classList.contains("print-plan")) return;
    document.body.classList.add("print-plan");
    window.print();
  });
  window.addEventListener("afterprint", function () {
    document.body.classList.remove("print-plan");
  });
})();
