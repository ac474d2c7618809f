// The board's only script: clock, idle return, live refresh, notice rotation, PIN pad, roll-call grid.
(function () {
  "use strict";
  var body = document.body;
  var page = body.getAttribute("data-page");
  var idle = parseInt(body.getAttribute("data-idle") || "60", 10) * 1000;

  live();  // every page listens: card taps are answered wherever the board is, an emergency takes any screen
  if (page === "video") {  // a library video: its end goes back to the list
    var film = document.getElementById("libraryvideo"), back = document.querySelector("a[data-home]");
    if (film && back) { film.addEventListener("ended", function () { location.href = back.href; }); }
  }
  if (page !== "home") {  // every screen returns home after the idle timeout
    var timer;
    var homeLink = document.querySelector("a[data-home]");  // a student's corner closes itself on the way home
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { location.href = homeLink ? homeLink.href : "/"; }, idle);
    };
    ["pointerdown", "keydown"].forEach(function (e) { document.addEventListener(e, reset, {passive: true}); });
    reset();
  } else {  // the home screen: pushed changes, a clock, notices that rotate, cards that never clip
    var clock = document.getElementById("clock");
    if (clock) {
      setInterval(function () {
        var d = new Date();
        clock.textContent = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
      }, 10000);
    }
    rotateNotices();
  }
  fitLists();
  fitTexts();

  // Live updates, on every page. The board's server pushes its state over Server-Sent Events the moment the board
  // knows of a change (an alert, a new bundle, a notice starting, a card tap); without EventSource, or while the
  // stream is down, the page polls every 5 s instead. What a page does with it depends on the page:
  // - any page: an emergency takes the screen, a student's corner that opens is followed, a tap is answered;
  // - home (and the exam or emergency screen shown as home): repaints when the version differs;
  // - a corner: goes home when it ends (its own pages, like its family messages, stay while it is open);
  // - every other page (a teacher's, a video, the week...) stays as it is: a tap there gets a toast.
  function live() {
    var version = body.getAttribute("data-version"), polling = null, pending = null;
    var seen = function (s) {
      var here = location.pathname;
      if (s.emergency && page !== "home") { location.href = "/"; return; }
      if (s.corner && here !== s.corner && here.indexOf(s.corner + "/") !== 0) { location.href = s.corner; return; }
      if (page === "home" && s.version !== version) { location.reload(); return; }
      if (page === "corner" && s.version !== version) { location.href = "/"; return; }
      if (s.tap && answered(s.tap)) { return; }  // on the page that stays, so a toast is not lost to a reload
      if (page === "home" && s.next_change_s !== null && s.next_change_s < 3600 && !pending) {  // a notice starts/ends
        pending = setTimeout(function () { pending = null; poll(); }, (s.next_change_s + 1) * 1000);
      }
    };
    var poll = function () {
      fetch("/api/home.json", {cache: "no-store"}).then(function (r) { return r.json(); }).then(seen)
        .catch(function () {});
    };
    var fallback = function () { if (!polling) { poll(); polling = setInterval(poll, 5000); } };
    if (!window.EventSource) { fallback(); return; }
    var stream = new EventSource("/api/home/events");
    stream.addEventListener("home", function (e) {
      if (polling) { clearInterval(polling); polling = null; }
      seen(JSON.parse(e.data));
    });
    stream.onerror = fallback;  // EventSource reconnects by itself; poll meanwhile
    window.addEventListener("pagehide", function () { stream.close(); });  // free the server's thread at once
  }

  // The board's answer to a card tap, whoever read the card (its own reader, or a tap sent to the screen):
  // a toast for a few seconds, or the page to open (a teacher's card: the teacher page, unless it is already
  // on screen: then its toast). Each answer once, also across page loads (sessionStorage). True when leaving.
  function answered(tap) {
    var key = "tap-answered";
    try { if (sessionStorage.getItem(key) === tap.id) { return false; } sessionStorage.setItem(key, tap.id); }
    catch (e) { if (answered.last === tap.id) { return false; } answered.last = tap.id; }
    if (tap.open && location.pathname.indexOf(tap.open) !== 0) { location.href = tap.open; return true; }
    if (tap.message) {
      var toast = document.getElementById("toast") || document.createElement("div");
      toast.id = "toast"; toast.className = "toast"; toast.setAttribute("role", "status");
      toast.textContent = tap.message;
      // a page whose every part matters (an exam) has a slot for it, in its header: nothing of the page is covered
      if (!toast.parentNode) { (document.querySelector("[data-toast-slot]") || body).appendChild(toast); }
      clearTimeout(answered.timer);
      answered.timer = setTimeout(function () { toast.remove(); }, 4000);
    }
    return false;
  }

  // Lists give way inside their card: lessons already over leave first, then the last items, never the current
  // lesson; a "+N" line says how many more there are (home's 今日课表, a student's corner).
  function fitLists() {
    document.querySelectorAll("[data-fit-list]").forEach(function (card) {
      var past = card.querySelectorAll("li.past"), more = card.querySelector(".more-items"), gone = 0;
      for (var i = 0; i < past.length && over(card); i++) { past[i].classList.add("gone"); gone++; }
      if (more && over(card)) { more.hidden = false; more.textContent = more.getAttribute("data-label"); }
      var rest = card.querySelectorAll("li:not(.gone):not(.current), .line:not(.gone)");
      for (var j = rest.length - 1; j >= 0 && over(card); j--) { rest[j].classList.add("gone"); gone++; }
      if (more) {
        more.hidden = gone === 0;
        more.textContent = more.getAttribute("data-label").replace("{n}", gone);
      }
    });
  }

  // Notices: as many as fit whole, the next ones in turn every data-rotate ms when there are more.
  function rotateNotices() {
    var box = document.querySelector("[data-rotate]");
    var items = box ? box.querySelectorAll(".notice") : [];
    if (items.length < 2) { return; }
    var start = 0, period = parseInt(box.getAttribute("data-rotate"), 10) || 8000;
    var show = function () {  // from `start` to the end of the list at most, so shown ones stay in order
      var shown = 0;
      for (var i = 0; i < items.length; i++) { items[i].classList.add("hidden"); }
      for (var k = start; k < items.length; k++) {
        items[k].classList.remove("hidden");
        if (shown > 0 && over(box)) { items[k].classList.add("hidden"); break; }
        shown++;
      }
      start = (start + shown) % items.length;
      return shown;
    };
    if (show() < items.length) { setInterval(show, period); }
  }

  function over(el) { return el.scrollHeight > el.clientHeight + 1; }  // its content runs past its box

  // Long texts on full-screen pages (an emergency, exam rules) shrink until they fit rather than run off.
  function fitTexts() {
    document.querySelectorAll("[data-fit]").forEach(function (el) {
      var size = parseFloat(getComputedStyle(el).fontSize), scale = 1;
      while (el.scrollHeight > el.clientHeight + 1 && scale > 0.3) {
        scale -= 0.07;
        el.style.fontSize = (size * scale) + "px";
      }
    });
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
  var shown = document.querySelector(".checkin[data-camera]");
  if (shown) {  // a printed card held up to the camera: a few looks over ~5 s; the corner opens as after a tap
    var said = shown.querySelector(".said"), looking = false;
    shown.addEventListener("click", function () {
      if (looking) { return; }
      looking = true;
      var tries = 0;
      var look = function () {
        fetch("/checkin/card", {method: "POST", cache: "no-store"}).then(function (r) { return r.json(); })
          .then(function (a) {
            said.textContent = a.message || "";
            if (a.corner) { location.href = a.corner; return; }
            if (a.outcome === "unseen" && ++tries < 8) { setTimeout(look, 600); } else { looking = false; }
          }).catch(function () { looking = false; });
      };
      said.textContent = shown.getAttribute("data-looking");
      look();
    });
  }
  document.querySelectorAll(".family-messages form").forEach(function (form) {  // 亲情留言: answered in place
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {method: "POST", body: new FormData(form)}).then(function (r) { return r.json(); })
        .then(function (a) {
          form.closest(".family-message").classList.add("read");
          button.textContent = a.error ? a.error : "✓ " + button.textContent;
        }).catch(function () { button.disabled = false; });
    });
  });
  var upload = document.querySelector(".photo input[type=file]");
  if (upload) { upload.addEventListener("change", function () { if (upload.files.length) { upload.form.submit(); } }); }
  var all = document.getElementById("allpresent");
  if (all) {
    all.addEventListener("click", function () {
      document.querySelectorAll(".student").forEach(function (b) { setStatus(b, "present"); });
    });
  }
})();
