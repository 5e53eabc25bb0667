/* Autosave of what the editor types, in this browser (localStorage), until it is saved:
   a closed tab, a lost connection or a refused form never costs the words. On return the
   page offers to put them back; saving the form clears them. */
(function () {
  "use strict";
  var form = document.getElementById("post-form");
  var offer = document.getElementById("autosave-offer");
  if (!form || !offer || !window.localStorage) { return; }
  var KEY = "hub-draft:" + form.getAttribute("action");
  var FIELDS = ["title", "summary", "body", "link_url", "valid_from", "valid_until", "column"];
  var timer = null;

  function current() {
    var kept = {};
    FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field) { kept[name] = field.value; }
    });
    return kept;
  }

  function differs(kept) {
    var now = current();
    return FIELDS.some(function (name) { return (kept[name] || "") !== (now[name] || ""); });
  }

  function keep() {
    try {
      localStorage.setItem(KEY, JSON.stringify({at: Date.now(), fields: current()}));
    } catch (ignored) { /* storage full or refused: autosave is a convenience */ }
  }

  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (ignored) { saved = null; }
  if (saved && saved.fields && differs(saved.fields)) {
    var when = new Date(saved.at);
    offer.querySelector(".when").textContent = when.toLocaleString("zh-CN", {hour12: false});
    offer.hidden = false;
    offer.querySelector("[data-restore]").addEventListener("click", function () {
      FIELDS.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && name in saved.fields) { field.value = saved.fields[name]; }
      });
      offer.hidden = true;
      form.dispatchEvent(new Event("input", {bubbles: true}));  // previews follow
    });
    offer.querySelector("[data-discard]").addEventListener("click", function () {
      localStorage.removeItem(KEY);
      offer.hidden = true;
    });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(keep, 400);
  });
  form.addEventListener("submit", function () { localStorage.removeItem(KEY); });
}());
