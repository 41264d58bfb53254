// The diary's service worker: the offline page, and a diary save made while the network is
// down kept in IndexedDB and sent when it returns. Each save carries the client key the page
// made for it, so the server stores it once even if it is sent twice.
"use strict";
var CACHE = "myorelax-diary-v1";
var OFFLINE = "/diary/offline";
var ASSETS = [OFFLINE, "/static/app.css", "/static/diary.css", "/static/app.js",
              "/static/diary-app.js", "/static/icons/diary-192.png"];
var SAVE = /^\/patients\/\d+\/diary$/;
var flushing = null;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(ASSETS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function db() {
  return new Promise(function (resolve, reject) {
    var open = indexedDB.open("myorelax-diary", 1);
    open.onupgradeneeded = function () {
      open.result.createObjectStore("queue", { keyPath: "key" });
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
}

function tx(mode, work) {
  return db().then(function (d) {
    return new Promise(function (resolve, reject) {
      var t = d.transaction("queue", mode);
      var result = work(t.objectStore("queue"));
      t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
      t.onerror = function () { reject(t.error); };
    });
  });
}

function keyOf(body) {
  var key = new URLSearchParams(body).get("client_key");
  return key || String(Date.now()) + Math.random();
}

function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (all) {
    all.forEach(function (c) { c.postMessage(message); });
  });
}

function enqueue(url, body) {
  // keyed by the client key: the same save queued twice is one item
  return tx("readwrite", function (s) { s.put({ key: keyOf(body), url: url, body: body }); })
    .then(function () { return tx("readonly", function (s) { return s.count(); }); })
    .then(function (n) { return tell({ type: "queued", waiting: n }); });
}

function flush() {
  if (flushing) return flushing;
  flushing = tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
    return items.reduce(function (chain, item) {
      return chain.then(function () {
        return fetch(item.url, {
          method: "POST", body: item.body, credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" }
        }).then(function (response) {
          return tx("readwrite", function (s) { s.delete(item.key); }).then(function () {
            var url = response.ok && response.redirected ? response.url : item.url.split("?")[0];
            return tell({ type: "sent", url: url, status: response.status });
          });
        });
      });
    }, Promise.resolve());
  }).catch(function () { /* still offline: kept for the next try */ })
    .then(function () { flushing = null; });
  return flushing;
}

self.addEventListener("message", function (event) {
  var d = event.data || {};
  if (d.type === "queue") event.waitUntil(enqueue(d.url, d.body));
  else if (d.type === "flush") event.waitUntil(flush());
});

self.addEventListener("sync", function (event) {
  if (event.tag === "diary-queue") event.waitUntil(flush());
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "POST" && SAVE.test(url.pathname)) {
    event.respondWith(req.clone().text().then(function (body) {
      return fetch(req).catch(function () {
        return enqueue(req.url, body).then(function () { return caches.match(OFFLINE); });
      });
    }));
    return;
  }
  if (req.method === "GET" && req.mode === "navigate") {
    event.respondWith(fetch(req).catch(function () { return caches.match(OFFLINE); }));
    return;
  }
  if (req.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fetch(req).catch(function () { return caches.match(req); }));
  }
});
