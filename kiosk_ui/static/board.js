// The board's only script: clock, idle return, live refresh, notice rotation, PIN pad, roll-call grid.
(function () {
  "use strict";
  var body = document.body;
  var page = body.getAttribute("data-page");
  var idle = parseInt(body.getAttribute("data-idle") || "60", 10) * 1000;

  if (page !== "home") {  // every screen returns home after the idle timeout
    var timer;
    var reset = function () { clearTimeout(timer); timer = setTimeout(function () { location.href = "/"; }, idle); };
    ["pointerdown", "keydown"].forEach(function (e) { document.addEventListener(e, reset, {passive: true}); });
    reset();
  } else {  // the home screen refreshes itself when what it shows has changed
    var version = null, pending = null;
    var poll = function () {
      fetch("/api/home.json", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
        if (version !== null && s.version !== version) { location.reload(); }
        version = s.version;
        if (s.next_change_s !== null && s.next_change_s < 3600 && !pending) {  // re-render when a notice starts/ends
          pending = setTimeout(function () { pending = null; poll(); }, (s.next_change_s + 1) * 1000);
        }
      }).catch(function () {});
    };
    poll();
    setInterval(poll, 5000);
    var clock = document.getElementById("clock");
    if (clock) {
      setInterval(function () {
        var d = new Date();
        clock.textContent = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
      }, 10000);
    }
    var box = document.querySelector("[data-rotate]");
    var items = box ? box.querySelectorAll(".notice") : [];
    if (items.length > 1) {  // show as many as fit whole, rotating every 8 s when there are more
      var limit = box.getBoundingClientRect().bottom - parseFloat(getComputedStyle(box).paddingBottom);
      var fit = 0;
      for (var j = 0; j < items.length; j++) { if (items[j].getBoundingClientRect().bottom <= limit + 1) { fit++; } }
      fit = Math.max(1, fit);
      if (fit < items.length) {
        var start = 0;
        var show = function () {
          for (var i = 0; i < items.length; i++) {
            var k = (i - start + items.length) % items.length;
            items[i].classList.toggle("hidden", k >= fit);
          }
          start = (start + 1) % items.length;
        };
        show();
        setInterval(show, 8000);
      }
    }
  }

  var pin = document.getElementById("pin");
  document.querySelectorAll(".key").forEach(function (key) {
    key.addEventListener("click", function (ev) {
      var k = key.getAttribute("data-key");
      if (k === "OK") { return; }
      ev.preventDefault();
      if (k === "⌫") { pin.value = pin.value.slice(0, -1); } else if (pin.value.length < 8) { pin.value += k; }
    });
  });

  var setStatus = function (button, status) {
    var cycle = button.getAttribute("data-cycle").split(",");
    var labels = button.querySelector(".st").getAttribute("data-labels").split(",");
    cycle.forEach(function (s) { button.classList.remove(s); });
    button.classList.add(status);
    button.querySelector("input").value = status;
    button.querySelector(".st").textContent = labels[cycle.indexOf(status)];
  };
  document.querySelectorAll(".student").forEach(function (button) {
    button.addEventListener("click", function () {
      var cycle = button.getAttribute("data-cycle").split(",");
      var now = button.querySelector("input").value;
      setStatus(button, cycle[(cycle.indexOf(now) + 1) % cycle.length]);
    });
  });
  var preview = document.getElementById("preview"), toggle = document.getElementById("previewtoggle");
  if (preview && toggle) {  // live preview: one small JPEG every 1.5 s while open, nothing while closed
    var timer = null;
    var refresh = function () { preview.src = preview.getAttribute("data-src") + "?t=" + Date.now(); };
    toggle.addEventListener("click", function () {
      preview.hidden = !preview.hidden;
      if (timer) { clearInterval(timer); timer = null; }
      if (!preview.hidden) { refresh(); timer = setInterval(refresh, 1500); }
    });
  }
  var upload = document.querySelector(".photo input[type=file]");
  if (upload) { upload.addEventListener("change", function () { if (upload.files.length) { upload.form.submit(); } }); }
  var all = document.getElementById("allpresent");
  if (all) {
    all.addEventListener("click", function () {
      document.querySelectorAll(".student").forEach(function (b) { setStatus(b, "present"); });
    });
  }
})();
