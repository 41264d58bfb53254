// The diary as an installable web app: the service worker (offline page, a save queued while
// the network is down and sent once when it returns), planned doses of a past day made tickable,
// and reminders shown as browser notifications while the page is open.
(function () {
  "use strict";
  var form = document.getElementById("diary-form");
  var queued = document.getElementById("queued");

  // -- a past day: every planned dose can be ticked; today: not those still to come --------
  function syncDay() {
    if (!form) return;
    var day = form.querySelector("#day");
    var past = day && day.value && day.value < form.dataset.today;
    form.querySelectorAll(".dose-row[data-due]").forEach(function (row) {
      row.querySelectorAll("input").forEach(function (input) { input.disabled = !past; });
      var hint = row.querySelector(".hint");
      if (hint) hint.hidden = !!past;
    });
    var at = form.querySelector("#at_time");
    if (at && !at.dataset.touched && past) at.value = "21:00";
  }
  if (form) {
    var at = form.querySelector("#at_time");
    if (at) at.addEventListener("input", function () { at.dataset.touched = "1"; });
    var day = form.querySelector("#day");
    if (day) day.addEventListener("change", syncDay);
    syncDay();
  }

  // -- service worker: offline page and the queued save ----------------------------------
  function say(text) {
    if (!queued) return;
    queued.textContent = text;
    queued.hidden = !text;
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/diary-sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      document.documentElement.dataset.sw = "ready";
      if (navigator.onLine && reg.active) reg.active.postMessage({ type: "flush" });
    }).catch(function () { document.documentElement.dataset.sw = "failed"; });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var d = event.data || {};
      if (d.type === "queued") {
        say("No network: the day is saved on this device and will be sent when the network is back (" +
            d.waiting + " waiting).");
      } else if (d.type === "sent" && d.url) {
        window.location.assign(d.url);
      }
    });
    var flush = function () {
      navigator.serviceWorker.ready.then(function (reg) {
        if (reg.active) reg.active.postMessage({ type: "flush" });
      });
    };
    window.addEventListener("online", function () {
      flush();
      setTimeout(flush, 1500);  // once more, in case the network was not quite back
    });
    if (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine || !navigator.serviceWorker.controller) return;
        event.preventDefault();
        var body = new URLSearchParams(new FormData(form)).toString();
        navigator.serviceWorker.controller.postMessage({ type: "queue", url: form.action, body: body });
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      });
    }
  }

  // -- reminders while the page is open ---------------------------------------------------
  var data = document.getElementById("reminder-data");
  var button = document.getElementById("reminders-on");
  var status = document.getElementById("reminder-status");
  if (!data || !button || !status) return;
  var items = JSON.parse(data.textContent);
  var timers = [];

  function schedule() {
    timers.forEach(clearTimeout);
    timers = [];
    var now = new Date();
    var next = [];
    items.forEach(function (item) {
      var parts = item.at.split(":");
      var when = new Date(now.getFullYear(), now.getMonth(), now.getDate(), +parts[0], +parts[1]);
      var wait = when - now;
      if (wait <= 0) return;
      next.push(item.at + " " + item.text);
      timers.push(setTimeout(function () {
        new Notification("myorelax diary", { body: item.text, tag: "diary-" + item.at });
      }, wait));
    });
    status.dataset.scheduled = String(timers.length);
    status.textContent = next.length
      ? "Reminders on for today while this page is open: " + next.join("; ") + "."
      : "Reminders on; nothing more is planned for today.";
  }

  function start() {
    if (!("Notification" in window)) {
      status.textContent = "This browser cannot show notifications; use the calendar feed below.";
      return;
    }
    Notification.requestPermission().then(function (answer) {
      if (answer === "granted") {
        localStorage.setItem("myorelax-reminders", "on");
        schedule();
      } else {
        status.textContent = "Notifications are blocked for this site; allow them in the browser's settings, or use the calendar feed below.";
      }
    });
  }
  button.addEventListener("click", start);
  if (localStorage.getItem("myorelax-reminders") === "on" && "Notification" in window &&
      Notification.permission === "granted") {
    schedule();
  }
})();
