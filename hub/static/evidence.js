// Upload an evidence archive with a progress bar (XMLHttpRequest: fetch reports no upload progress), then wait
// for the district's check to finish and show its verdict.
(function () {
  "use strict";
  var box = document.getElementById("upload");
  if (!box) { return; }
  var input = document.getElementById("archive"), button = document.getElementById("send");
  var bar = document.getElementById("progress"), state = document.getElementById("state");
  var csrf = document.querySelector("meta[name=csrf]").getAttribute("content");
  var query = "?school=" + encodeURIComponent(box.getAttribute("data-school"));
  var maxBytes = parseInt(box.getAttribute("data-max"), 10) * 1024 * 1024;

  function waitForVerdict(tries) {  // bounded: 10 minutes at 2 s
    fetch("/district/evidence" + query + "&format=json", {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (v) {
        if (v.state === "verifying" && tries > 0) {
          state.textContent = "核验中… verifying";
          setTimeout(function () { waitForVerdict(tries - 1); }, 2000);
        } else {
          location.href = "/district/evidence" + query;
        }
      });
  }

  button.addEventListener("click", function () {
    var file = input.files[0];
    if (!file) { state.textContent = "请选择文件 choose a file"; return; }
    if (file.size > maxBytes) { state.textContent = "文件过大 file too large"; return; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/district/evidence" + query);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", "application/zip");
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
      if (xhr.status === 202) {
        bar.value = 100;
        state.textContent = "已上传，核验中… uploaded, verifying";
        waitForVerdict(300);
      } else {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
        state.textContent = "未接受 refused: " + (answer.error || ("HTTP " + xhr.status));
      }
    };
    xhr.onerror = function () { button.disabled = false; state.textContent = "上传失败 upload failed"; };
    xhr.send(file);
  });
}());
