// The evidence page: once the archive is up (upload.js), wait for the district's check and show its verdict.
(function () {
  "use strict";
  var box = document.getElementById("upload");
  if (!box) { return; }
  var state = box.querySelector("[role=status]");
  var query = "?school=" + encodeURIComponent(box.getAttribute("data-school"));

  function waitForVerdict(tries) {  // bounded: 10 minutes at 2 s
    fetch("/district/evidence" + query + "&format=json", {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (v) {
        if (v.state === "verifying" && tries > 0) {
          state.textContent = "已上传，核验中… uploaded, verifying";
          setTimeout(function () { waitForVerdict(tries - 1); }, 2000);
        } else {
          location.href = "/district/evidence" + query;
        }
      });
  }
  box.addEventListener("uploaded", function () { waitForVerdict(300); });
}());
