/* 账号设置's logo: what the admin chooses shows at once. A picture picked from the library
   fills the address field with its media address; typing an address, or choosing a file to
   upload, leaves the library pick. Without this script the form works the same: the server
   takes an upload first, then a library pick, then the address. */
(function () {
  "use strict";
  var field = document.getElementById("logo-field");
  if (!field) { return; }
  var address = document.getElementById("s-logo");
  var file = document.getElementById("s-logo-file");
  var status = document.getElementById("logo-status");
  var none = document.getElementById("logo-m-none");
  var saved = address.value;
  var typed = address.value;

  function preview(src, words) {
    var picture = document.getElementById("logo-preview");
    if (!src) {
      if (picture) { picture.remove(); }
      status.textContent = words;
      return;
    }
    if (!picture) {
      picture = document.createElement("img");
      picture.id = "logo-preview";
      picture.width = 64;
      picture.height = 64;
      status.parentNode.insertBefore(picture, status);
    }
    picture.alt = words;
    picture.src = src;
    status.textContent = words;
  }

  function showAddress() {
    if (address.value === saved) {
      preview(saved, saved ? "当前标志" : "还没有标志");
    } else {
      preview(address.value, address.value ? "将用填写的地址作标志（保存后生效）"
                                           : "保存后不再显示标志");
    }
  }

  field.addEventListener("change", function (event) {
    var chosen = event.target;
    if (chosen.name === "logo_media_id") {
      file.value = "";
      address.value = chosen.value ? chosen.dataset.url : typed;
      if (chosen.value) {
        preview(chosen.dataset.url, "新标志：「" + chosen.dataset.name + "」（保存后生效）");
      } else {
        showAddress();
      }
    } else if (chosen === address) {
      showAddress();
    } else if (chosen === file && file.files && file.files[0]) {
      if (none) { none.checked = true; }
      var reader = new FileReader();
      reader.onload = function () {
        preview(reader.result, "将上传「" + file.files[0].name + "」作为新标志（保存后生效）");
      };
      reader.readAsDataURL(file.files[0]);
    }
  });

  address.addEventListener("input", function () {
    typed = address.value;
    if (none) { none.checked = true; }
  });
}());
