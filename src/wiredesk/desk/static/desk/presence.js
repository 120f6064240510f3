// A story's page, actions open: say so every few seconds, and show who else has them
// open ("Being edited by ..."). The server forgets an editor whose page stops saying so.
(function () {
  "use strict";
  var notice = document.getElementById("presence");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!notice || !token) { return; }
  var url = notice.getAttribute("data-presence");
  var every = (parseInt(notice.getAttribute("data-beat"), 10) || 15) * 1000;

  function form(extra) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    if (extra) { data.append(extra, "1"); }
    return data;
  }

  function beat() {
    fetch(url, { method: "POST", credentials: "same-origin", body: form() })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && notice.textContent !== data.notice) { notice.textContent = data.notice; }
      })
      .catch(function () { /* the next beat tries again */ });
  }
  beat();
  setInterval(beat, every);
  // Leaving: said at once, so that the notice goes from the others' pages with the next beat.
  window.addEventListener("pagehide", function () {
    if (navigator.sendBeacon) { navigator.sendBeacon(url, form("gone")); }
  });
})();
