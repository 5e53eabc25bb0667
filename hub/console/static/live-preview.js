/* Live previews: while the editor types, the form as it stands (never saved) is posted to
   the hub, which renders it through every outlet's own `render` and `check`. Each preview
   frame gets its document by a form posted into it (the frame stays sandboxed, nothing runs
   in it); the problems beside each preview come back as JSON. Also: the fixes offered beside
   a problem (leave this outlet out, choose a cover, shorten the title) act on the form. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-live-previews]");
  if (!panel) { return; }
  panel.querySelectorAll(".preview iframe").forEach(keepShape);
  var form = document.getElementById("post-form");
  if (!form) { return; }
  var status = document.getElementById("preview-status");
  var WAIT_MS = 600;
  var timer = null;
  var asked = 0;

  // A frame narrower than its outlet's size (a phone's window) keeps the outlet's
  // proportions: what it draws is scaled down whole, not cut off or left with a blank below.
  function keepShape(frame) {
    frame.style.aspectRatio = frame.width + " / " + frame.height;
    frame.style.height = "auto";
  }

  function fields(extra) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs.concat(extra || []);
  }

  function documentUrl(outletId) {
    return panel.dataset.documentUrl.replace(/\/0$/, "/" + outletId);
  }

  function postInto(target, outletId, extra) {
    var sender = document.createElement("form");
    sender.method = "post";
    sender.action = documentUrl(outletId);
    sender.target = target;
    sender.hidden = true;
    fields(extra).forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      sender.appendChild(input);
    });
    document.body.appendChild(sender);
    sender.submit();
    document.body.removeChild(sender);
  }

  function show(figure, found) {
    var left = found.excluded;
    figure.classList.toggle("excluded", left);
    figure.querySelector(".excluded-note").hidden = !left;
    var error = figure.querySelector(".preview-error");
    error.hidden = !found.error;
    error.textContent = found.error || "";
    figure.querySelector(".device").hidden = left || !!found.error;
    figure.querySelector(".pixels").textContent = found.pixel_size ? found.pixel_size + " 像素" : "";
    var box = figure.querySelector(".problems-box");
    var list = box.querySelector(".problems");
    list.textContent = "";
    (found.problems || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    box.hidden = left || !(found.problems || []).length;
    var frame = figure.querySelector("iframe");
    ["phone", "browser", "screen", "card"].forEach(function (name) {
      figure.classList.toggle("frame-" + name, found.frame === name);
    });
    if (!left && !found.error && frame) {
      frame.width = found.width;
      frame.height = found.height;
      keepShape(frame);
      postInto(frame.name, found.outlet_id);
    }
  }

  function refresh() {
    var mine = ++asked;
    var body = new URLSearchParams();
    fields().forEach(function (pair) { body.append(pair[0], pair[1]); });
    if (status) { status.textContent = "正在更新预览…"; }
    fetch(panel.dataset.problemsUrl, {method: "POST", body: body, credentials: "same-origin",
                                       headers: {"Accept": "application/json"}})
      .then(function (answer) {
        return answer.json().then(function (data) { return {ok: answer.ok, data: data}; });
      })
      .then(function (result) {
        if (mine !== asked) { return; }  // a later keystroke asked again: show that one
        if (!result.ok) {
          if (status) { status.textContent = "预览未更新：" + (result.data.message || "请检查输入"); }
          return;
        }
        result.data.previews.forEach(function (found) {
          var figure = panel.querySelector('figure[data-outlet-id="' + found.outlet_id + '"]');
          if (figure) { show(figure, found); }
        });
        if (status) { status.textContent = "预览已按当前输入更新（尚未保存）"; }
      })
      .catch(function () {
        if (mine === asked && status) { status.textContent = "预览暂时无法更新，请稍后再试"; }
      });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, WAIT_MS);
  }

  function channelBox(name) {
    return form.querySelector('input[name="channels"][value="' + name + '"]');
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  panel.addEventListener("click", function (event) {
    var button = event.target.closest("button, a.one-to-one");
    if (!button) { return; }
    if (button.dataset.exclude || button.dataset.include) {
      var box = channelBox(button.dataset.exclude || button.dataset.include);
      if (box) {
        box.checked = !!button.dataset.include;
        box.focus();
        refresh();
      }
    } else if (button.dataset.focus) {
      var field = document.getElementById(button.dataset.focus);
      if (!field) { field = document.getElementById("title"); }
      var folded = field && field.closest("details");
      if (folded) { folded.open = true; }
      if (field) { field.focus(); }
    } else if (button.classList.contains("one-to-one")) {
      event.preventDefault();  // the draft as typed, at the outlet's own pixels
      postInto("_blank", button.dataset.outletId, [["full", "1"]]);
    }
  });
  if (!panel.querySelector("iframe[src^='/']")) { refresh(); }  // a new post: fill in now
}());
