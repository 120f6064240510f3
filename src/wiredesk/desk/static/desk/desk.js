// The wire: ask for newer items every second and put them on top (no reload).
// Plain JavaScript, no framework and no build step; without it the page still works.
(function () {
  "use strict";
  var table = document.getElementById("wire");
  if (!table || document.querySelector("[name=before]")) { return; }
  var body = table.tBodies[0];
  var status = document.getElementById("live-status");
  var base = table.getAttribute("data-rows");
  var newest = table.getAttribute("data-newest") || "0";
  // The newest lifecycle event and agency version seen: rows whose story changed since come back too.
  var events = table.getAttribute("data-events") || "0";
  var versions = table.getAttribute("data-versions") || "0";
  var busy = false;

  function poll() {
    // Polled in a hidden tab too: a flash must reach an editor reading another tab.
    if (busy) { return; }
    busy = true;
    var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(newest) +
      "&events=" + encodeURIComponent(events) + "&versions=" + encodeURIComponent(versions);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var added = [];
        if (data && data.count) {
          body.insertAdjacentHTML("afterbegin", data.html);
          newest = String(data.newest);
          status.textContent = data.count + " new item" + (data.count === 1 ? "" : "s");
          for (var i = 0; i < data.count && i < body.rows.length; i++) {
            body.rows[i].classList.add("new");
            added.push(body.rows[i]);
          }
        }
        if (data && data.events !== undefined) {
          events = String(data.events);
          versions = String(data.versions);
        }
        // Changed rows and flash alerts: live.js.
        if (data) {
          table.dispatchEvent(new CustomEvent("wire:polled", { detail: { data: data, added: added } }));
        }
      })
      .catch(function () { status.textContent = "Not connected: retrying"; })
      .then(function () { busy = false; });
  }
  setInterval(poll, 1000);
})();
