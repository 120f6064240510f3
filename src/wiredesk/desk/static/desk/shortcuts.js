// The wire's keyboard shortcuts: j/k move, o or Enter open, x kill, h hold, r release,
// / search, ? the list of them. Acts through the page's own forms (the bulk form's
// buttons), so nothing here is a second way to change a story; without it the page works.
(function () {
  "use strict";
  var table = document.getElementById("wire");
  if (!table) { return; }
  var body = table.tBodies[0];
  var bulk = document.getElementById("bulk");
  var status = document.getElementById("live-status");
  // The selection is a row's id: rows put on top or re-drawn in place by other
  // scripts keep it (a row replaced by a new copy of itself is selected again).
  var selectedId = null;
  var KEYS = [
    ["j", "next item"],
    ["k", "previous item"],
    ["o", "open the selected item's story (Enter too)"],
    ["x", "kill the picked stories, or the selected one (asks first)", true],
    ["h", "hold the picked stories, or the selected one (asks why)", true],
    ["r", "release the picked stories, or the selected one", true],
    ["/", "search the wire"],
    ["?", "show or hide this list"]
  ];

  function rows() { return Array.prototype.slice.call(body.rows); }
  function selected() { return selectedId && document.getElementById(selectedId); }

  function mark(row) {
    rows().forEach(function (r) { if (r !== row) { r.classList.remove("selected"); } });
    row.classList.add("selected");
    row.tabIndex = -1;
  }

  function select(row) {
    if (!row) { return; }
    selectedId = row.id;
    mark(row);
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(selected());
    if (at < 0) { select(all[0]); return; }
    select(all[Math.min(Math.max(at + step, 0), all.length - 1)]);
  }

  new MutationObserver(function () {
    var row = selected();
    if (row && !row.classList.contains("selected")) {
      var lost = document.activeElement === document.body;
      mark(row);
      if (lost) { row.focus(); }
    }
  }).observe(body, { childList: true, subtree: true });

  function dialog(id, title) {
    var d = document.createElement("dialog");
    d.id = id;
    d.setAttribute("aria-labelledby", id + "-h");
    var h = document.createElement("h2");
    h.id = id + "-h";
    h.textContent = title;
    d.appendChild(h);
    document.body.appendChild(d);
    return d;
  }

  var help = dialog("shortcuts", "Keyboard shortcuts");
  var list = document.createElement("dl");
  KEYS.forEach(function (entry) {
    if (entry[2] && !bulk) { return; }  // a reader of the desk: no action
    var dt = document.createElement("dt");
    var kbd = document.createElement("kbd");
    kbd.textContent = entry[0];
    dt.appendChild(kbd);
    var dd = document.createElement("dd");
    dd.textContent = entry[1];
    list.appendChild(dt);
    list.appendChild(dd);
  });
  help.appendChild(list);
  var close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.addEventListener("click", function () { help.close(); });
  help.appendChild(close);

  var opener = document.createElement("button");
  opener.type = "button";
  opener.className = "keys-help";
  opener.innerHTML = "Keyboard shortcuts <kbd>?</kbd>";
  opener.addEventListener("click", function () { help.showModal(); });
  status.parentNode.insertBefore(opener, status);

  var ask = dialog("why", "Reason");
  var askForm = document.createElement("form");
  askForm.method = "dialog";
  askForm.innerHTML = '<label for="why-text">Why? <small>(kept in the log)</small></label> ' +
    '<input id="why-text" maxlength="2000" required autocomplete="off"> ' +
    '<button type="submit" value="ok"></button> ' +
    '<button type="submit" value="cancel" formnovalidate>Cancel</button>';
  ask.appendChild(askForm);
  var pending = null;
  ask.addEventListener("close", function () {
    var action = pending;
    pending = null;
    if (ask.returnValue === "ok" && action) {
      bulk.elements.reason.value = document.getElementById("why-text").value;
      submit(action);
    }
  });

  function picked() {
    return Array.prototype.slice.call(
      document.querySelectorAll("input[name=story][form=bulk]:checked"));
  }

  function submit(action) {
    var button = bulk.querySelector("button[name=action][value=" + action + "]");
    if (button) { bulk.requestSubmit(button); }
  }

  function act(action, verb, needsReason) {
    if (!bulk) { return; }
    if (!picked().length) {
      var row = selected();
      var box = row && row.querySelector("td.pick input[type=checkbox]");
      if (!box) { status.textContent = "Select an item first (j or k)."; return; }
      box.checked = true;  // shown ticked: what is acted on is on screen
    }
    if (needsReason && !bulk.elements.reason.value.trim()) {
      pending = action;
      var n = picked().length;
      document.getElementById("why-h").textContent =
        verb + " " + n + " stor" + (n === 1 ? "y" : "ies");
      askForm.querySelector("button[value=ok]").textContent = verb;
      document.getElementById("why-text").value = "";
      ask.showModal();
      return;
    }
    submit(action);
  }

  // A box that takes words; a ticked box or a button does not, so keys go on working after a click.
  function typing(target) {
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) { return true; }
    return tag === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    var target = event.target;
    if (typing(target)) { return; }
    if (ask.open) { return; }
    if (help.open) {
      if (event.key === "?") { help.close(); event.preventDefault(); }
      return;
    }
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter":
        // Enter on a link or a button is theirs.
        if (event.key === "Enter" && target !== selected()) { return; }
        var row = selected();
        var link = row && row.querySelector("td.headline a");
        if (!link) { return; }
        window.location.href = link.href;
        break;
      case "x": act("kill", "Kill", false); break;
      case "h": act("hold", "Hold", true); break;
      case "r": act("release", "Release", false); break;
      case "/": table.ownerDocument.querySelector("form.filters input[name=q]").focus(); break;
      case "?": help.showModal(); break;
      default: return;
    }
    event.preventDefault();
  });
})();
