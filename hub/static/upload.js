// Large uploads with a progress bar: every <fieldset data-upload="URL" data-max="MB"> holds a file input, a
// button, a <progress> and a status line. The file goes as the request body (XMLHttpRequest: fetch reports no
// upload progress); checkboxes with data-param="name" add ?name=1. The fieldset then fires "uploaded" with
// {status, answer} (the JSON the hub answered), or "refused" with the same, for the page's own script.
(function () {
  "use strict";
  var csrf = document.querySelector("meta[name=csrf]").getAttribute("content");

  function answerOf(xhr) {
    try { return JSON.parse(xhr.responseText); } catch (e) { return {}; }
  }

  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-upload]"), function (box) {
    var input = box.querySelector("input[type=file]"), button = box.querySelector("button");
    var bar = box.querySelector("progress"), state = box.querySelector("[role=status]");
    var maxBytes = parseInt(box.getAttribute("data-max"), 10) * 1024 * 1024;

    button.addEventListener("click", function () {
      var file = input.files[0];
      if (!file) { state.textContent = "请选择文件 choose a file"; return; }
      if (file.size > maxBytes) { state.textContent = "文件过大 file too large"; return; }
      var url = box.getAttribute("data-upload");
      Array.prototype.forEach.call(box.querySelectorAll("input[data-param]"), function (c) {
        if (c.checked) { url += (url.indexOf("?") < 0 ? "?" : "&") + c.getAttribute("data-param") + "=1"; }
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Content-Type", file.type || "application/zip");
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(e.loaded * 100 / e.total);
          state.textContent = "上传中 uploading " + bar.value + "%";
        }
      };
      xhr.onload = function () {
        button.disabled = false;
        var answer = answerOf(xhr), ok = xhr.status >= 200 && xhr.status < 300;
        if (ok) { bar.value = 100; state.textContent = "已上传 uploaded"; }
        else { state.textContent = "未接受 refused: " + (answer.error || ("HTTP " + xhr.status)); }
        box.dispatchEvent(new CustomEvent(ok ? "uploaded" : "refused", {detail: {status: xhr.status, answer: answer}}));
      };
      xhr.onerror = function () { button.disabled = false; state.textContent = "上传失败 upload failed"; };
      xhr.send(file);
    });
  });
}());
