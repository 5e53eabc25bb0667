/* Pictures in the body: dropped or pasted images are uploaded to the account's media
   library and put in as Markdown where the cursor is; the library lists earlier uploads to
   put in the body or to make the cover. */
(function () {
  "use strict";
  var form = document.getElementById("post-form");
  if (!form || !form.dataset.mediaUrl) { return; }
  var body = form.elements.namedItem("body");
  var status = document.getElementById("upload-status");
  var library = document.getElementById("media-library");
  var opener = form.querySelector("[data-open-library]");
  var coverField = document.getElementById("cover_media_id");

  function say(text) { if (status) { status.textContent = text; } }

  function insert(markdown) {
    var at = body.selectionStart || body.value.length;
    var before = body.value.slice(0, at);
    var gap = before && !/\n$/.test(before) ? "\n\n" : "";
    body.value = before + gap + markdown + "\n\n" + body.value.slice(at);
    body.dispatchEvent(new Event("input", {bubbles: true}));  // previews and autosave follow
  }

  function send(file, then) {
    var data = new FormData();
    data.append("csrf_token", form.elements.namedItem("csrf_token").value);
    data.append("file", file, file.name || "粘贴的图片.png");
    say("正在上传「" + (file.name || "图片") + "」…");
    return fetch(form.dataset.mediaUrl, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (answer) {
        return answer.json().then(function (found) { return {ok: answer.ok, found: found}; });
      })
      .then(function (result) {
        if (!result.ok) { say("图片未上传：" + (result.found.message || "请换一张")); return; }
        then(result.found);
      })
      .catch(function () { say("图片未上传：网络中断，请重试"); });
  }

  function upload(file) {
    return send(file, function (found) {
      insert(found.markdown);
      say("已插入图片「" + found.filename + "」");
    });
  }

  function makeCover(item, words) {
    coverField.value = item.id;
    coverField.dispatchEvent(new Event("change", {bubbles: true}));  // the previews follow
    say(words + "「" + item.filename + "」（保存后生效）");
  }

  // A cover chosen in the file field goes to the library at once, so the previews show it
  // before saving; the field is emptied so saving does not upload it a second time (if the
  // upload fails the field keeps the file, and saving tries again and says why).
  var coverFile = form.elements.namedItem("cover");
  if (coverFile && coverField) {
    coverFile.addEventListener("change", function () {
      var file = coverFile.files && coverFile.files[0];
      if (!file) { return; }
      send(file, function (found) {
        coverFile.value = "";
        makeCover(found, "封面已上传，预览已换上");
      });
    });
  }

  function images(list) {
    return Array.prototype.filter.call(list || [], function (file) {
      return /^image\//.test(file.type);
    });
  }

  body.addEventListener("dragover", function (event) { event.preventDefault(); });
  body.addEventListener("drop", function (event) {
    var found = images(event.dataTransfer && event.dataTransfer.files);
    if (!found.length) { return; }
    event.preventDefault();
    found.forEach(upload);
  });
  body.addEventListener("paste", function (event) {
    var found = images(event.clipboardData && event.clipboardData.files);
    if (!found.length) { return; }
    event.preventDefault();
    found.forEach(upload);
  });

  function button(text, act) {
    var made = document.createElement("button");
    made.type = "button";
    made.textContent = text;
    made.addEventListener("click", act);
    return made;
  }

  function show(items) {
    library.textContent = "";
    if (!items.length) {
      library.textContent = "素材库还是空的：把图片拖进正文即可上传。";
      return;
    }
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var entry = document.createElement("li");
      var picture = document.createElement("img");
      picture.src = item.url;
      picture.alt = item.filename;
      picture.loading = "lazy";
      var name = document.createElement("span");
      name.textContent = item.filename + "（" + item.width + "×" + item.height + "）";
      entry.appendChild(picture);
      entry.appendChild(name);
      entry.appendChild(button("插入正文", function () { insert(item.markdown); }));
      entry.appendChild(button("设为封面", function () { makeCover(item, "封面将设为"); }));
      list.appendChild(entry);
    });
    library.appendChild(list);
  }

  opener.addEventListener("click", function () {
    var open = library.hidden;
    library.hidden = !open;
    opener.setAttribute("aria-expanded", String(open));
    if (!open) { return; }
    library.textContent = "正在读取素材库…";
    fetch(form.dataset.mediaUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (answer) { return answer.json(); })
      .then(function (found) { show(found.items || []); })
      .catch(function () { library.textContent = "素材库暂时打不开，请稍后再试"; });
  });
}());
