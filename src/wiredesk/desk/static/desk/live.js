// The wire, live (docs/desk.md, "Live wire and flash alerts"): each poll of desk.js
// ("wire:polled") brings the rows whose story changed, drawn again by the server, and
// they take their old rows' places; a new flash (urgency 1 or 2) or held item raises a
// sound (if turned on), a browser notification (if allowed) and a count in the tab's
// title, until it is seen. Plain JavaScript; without it the page still works.
(function () {
  "use strict";
  var table = document.getElementById("wire");
  if (!table || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var status = document.getElementById("live-status");
  var title = document.title;
  var unseen = [];  // alerting rows not seen yet, oldest first
  var inView = [];  // rows at least half on screen
  var notes = {};   // row id -> its open notification
  var store = null;
  try { store = window.localStorage; } catch (blocked) { /* the switches are then not remembered */ }
  var FOCUSABLE = "a[href], button, input, select, textarea";

  // Seen: clicked, or at least half on screen while the tab is visible and focused.
  function attentive() {
    return document.visibilityState === "visible" && document.hasFocus();
  }
  function showCount() {
    document.title = unseen.length ? "(" + unseen.length + ") " + title : title;
  }
  function markSeen(row) {
    var at = unseen.indexOf(row);
    if (at < 0) { return; }
    unseen.splice(at, 1);
    row.classList.remove("unseen");
    if (notes[row.id]) { notes[row.id].close(); delete notes[row.id]; }
    showCount();
  }
  function sweep() {
    if (!attentive()) { return; }
    unseen.slice().forEach(function (row) {
      if (inView.indexOf(row) >= 0) { markSeen(row); }
    });
  }
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      var at = inView.indexOf(entry.target);
      if (entry.isIntersecting && at < 0) { inView.push(entry.target); }
      if (!entry.isIntersecting && at >= 0) { inView.splice(at, 1); }
    });
    sweep();
  }, { threshold: 0.5 }) : null;
  function watch(row) { if (observer) { observer.observe(row); } }
  function unwatch(row) {
    if (observer) { observer.unobserve(row); }
    var at = inView.indexOf(row);
    if (at >= 0) { inView.splice(at, 1); }
  }
  document.addEventListener("visibilitychange", sweep);
  window.addEventListener("focus", sweep);
  body.addEventListener("click", function (event) {
    var row = event.target.closest("tr");
    if (row) { markSeen(row); }
  });

  // The two switches, each remembered in this browser; both off until clicked.
  var controls = document.getElementById("alerting");
  var soundButton = document.getElementById("alert-sound");
  var notifyButton = document.getElementById("alert-notify");
  var audio = null;
  function remembered(name) { return store && store.getItem("wiredesk." + name) === "on"; }
  function remember(name, on) { if (store) { store.setItem("wiredesk." + name, on ? "on" : "off"); } }
  function press(button, on) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  function soundOn() { return soundButton.getAttribute("aria-pressed") === "true"; }
  function notifyOn() {
    return notifyButton.getAttribute("aria-pressed") === "true" && Notification.permission === "granted";
  }
  function openAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) { audio = new Context(); }
    // A browser starts sound only after a click or a key on the page.
    if (audio && audio.state === "suspended") { audio.resume(); }
  }
  // Two short beeps, made here: no sound file to download.
  function beep() {
    if (!audio) { return; }
    var now = audio.currentTime;
    [0, 0.2].forEach(function (start) {
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, now + start);
      gain.gain.exponentialRampToValueAtTime(0.3, now + start + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + start + 0.15);
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start(now + start);
      tone.stop(now + start + 0.16);
    });
  }
  if (controls) {
    controls.hidden = false;
    press(soundButton, remembered("sound"));
    soundButton.addEventListener("click", function () {
      var on = !soundOn();
      press(soundButton, on);
      remember("sound", on);
      if (on) { openAudio(); beep(); }  // a beep now, to hear how it sounds
    });
    if (soundOn()) {
      ["pointerdown", "keydown"].forEach(function (name) {
        document.addEventListener(name, openAudio, { once: true });
      });
    }
    if (!("Notification" in window)) {
      notifyButton.hidden = true;
    } else {
      press(notifyButton, remembered("notify") && Notification.permission === "granted");
      notifyButton.addEventListener("click", function () {
        if (notifyOn()) { press(notifyButton, false); remember("notify", false); return; }
        Notification.requestPermission().then(function (answer) {
          press(notifyButton, answer === "granted");
          remember("notify", answer === "granted");
          if (answer === "denied") {
            status.textContent = "Notifications are blocked for this site in the browser's settings.";
          }
        });
      });
    }
  }

  function headline(row) {
    var link = row.querySelector(".headline a");
    return link ? link.textContent : "";
  }
  function kind(row) {
    var urgency = row.querySelector(".urgency");
    if (row.classList.contains("state-held")) { return "Held for an editor"; }
    return urgency && urgency.textContent.trim() === "1" ? "Flash" : "Urgent";
  }
  function alerting(row) {
    return row.classList.contains("urgent") || row.classList.contains("state-held");
  }
  function notify(row) {
    var note;
    try {
      note = new Notification(kind(row) + ": " + headline(row), { body: "On the wire", tag: row.id });
    } catch (refused) {
      return;  // Chrome on Android makes them from a service worker only: the title and sound remain
    }
    note.onclick = function () {
      window.focus();
      var now = document.getElementById(row.id) || row;
      now.scrollIntoView({ block: "center" });
      var link = now.querySelector(".headline a");
      if (link) { link.focus(); }
      markSeen(now);
      note.close();
    };
    notes[row.id] = note;
  }
  function raise(rows) {
    var fresh = rows.filter(alerting);
    if (!fresh.length) { return; }
    fresh.forEach(function (row) {
      row.classList.add("unseen");
      unseen.push(row);
      watch(row);
    });
    showCount();
    if (controls && soundOn()) { beep(); }
    if (controls && notifyOn()) { fresh.forEach(notify); }
    status.textContent = (status.textContent ? status.textContent + "; " : "") +
      fresh.map(function (row) { return kind(row) + ": " + headline(row); }).join("; ");
  }

  // A changed row takes its old one's place, keeping what the editor did to it here:
  // its marks and its ticked boxes; return where the focus was in it (-1: elsewhere).
  function carry(old, row) {
    ["new", "unseen"].forEach(function (name) {
      if (old.classList.contains(name)) { row.classList.add(name); }
    });
    old.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      row.querySelectorAll("input[type=checkbox]").forEach(function (same) {
        if (same.name === box.name && same.value === box.value) { same.checked = true; }
      });
    });
    return Array.prototype.indexOf.call(old.querySelectorAll(FOCUSABLE), document.activeElement);
  }
  function stateOf(row) {
    var state = row.querySelector(".state");
    return state ? state.textContent : "";
  }
  function replace(html) {
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var told = [];
    Array.prototype.slice.call(holder.rows).forEach(function (row) {
      var old = document.getElementById(row.id);
      if (!old || old.parentNode !== body || old.innerHTML === row.innerHTML) { return; }
      var focused = carry(old, row);
      body.replaceChild(row, old);
      if (focused >= 0) {
        var again = row.querySelectorAll(FOCUSABLE)[focused];
        if (again) { again.focus(); }
      }
      var at = unseen.indexOf(old);
      if (at >= 0) { unseen[at] = row; }
      unwatch(old);
      if (at >= 0) { watch(row); }
      if (stateOf(old) !== stateOf(row)) {
        row.classList.add("changed");
        told.push(headline(row) + ": now " + stateOf(row));
      }
    });
    if (told.length) {
      status.textContent = told.length === 1 ? told[0] : told.length + " rows changed state";
    }
  }

  table.addEventListener("wire:polled", function (event) {
    var data = event.detail.data;
    if (data.changed) { replace(data.changed); }
    raise(event.detail.added);
  });
})();
