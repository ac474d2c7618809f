// Live paging from the console: microphone (or a file, in real time) → 16 kHz 16-bit chunks → the hub → boards.
(function () {
  "use strict";
  var talk = document.getElementById("talk"), zone = document.getElementById("pagezone");
  var file = document.getElementById("pagefile"), state = document.getElementById("pagestate");
  var csrf = document.querySelector("meta[name=csrf]").getAttribute("content");
  var live = null;  // {id, ctx, stop, queue, sent}

  function post(url, body, type) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: body,
                       headers: {"X-CSRF-Token": csrf, "Content-Type": type || "application/octet-stream"}});
  }
  function toPcm(floats) {
    var pcm = new Int16Array(floats.length);
    for (var i = 0; i < floats.length; i++) { pcm[i] = Math.max(-1, Math.min(1, floats[i])) * 32767; }
    return pcm.buffer;
  }
  function send(buffer) {
    var page = live;
    if (!page) { return; }
    page.queue = page.queue.then(function () {  // in order, one at a time
      return post("/console/page/" + page.id + "/chunk", buffer).then(function () { page.sent++; });
    });
  }
  function start(source) {
    return post("/console/page/start", JSON.stringify({zone: zone.value}), "application/json")
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (body) {
        var ctx = new AudioContext({sampleRate: 16000});
        live = {id: body.page_id, ctx: ctx, queue: Promise.resolve(), sent: 0, stop: function () {}};
        talk.textContent = talk.getAttribute("data-live");
        state.textContent = "寻呼中 live";
        return source(ctx);
      }).catch(function (e) { state.textContent = "失败 failed: " + e.message; });
  }
  function end() {
    var page = live;
    if (!page) { return; }
    live = null;
    page.stop();
    page.queue.then(function () { return post("/console/page/" + page.id + "/end", ""); })
      .then(function () { state.textContent = "已结束 ended (" + page.sent + ")"; page.ctx.close(); });
    talk.textContent = talk.getAttribute("data-idle");
  }
  talk.addEventListener("click", function () {
    if (live) { end(); return; }
    navigator.mediaDevices.getUserMedia({audio: {channelCount: 1, echoCancellation: true, noiseSuppression: true}})
      .then(function (stream) {
        return start(function (ctx) {
          var source = ctx.createMediaStreamSource(stream);
          var tap = ctx.createScriptProcessor(2048, 1, 1);  // 128 ms at 16 kHz
          tap.onaudioprocess = function (e) { send(toPcm(e.inputBuffer.getChannelData(0))); };
          source.connect(tap);
          tap.connect(ctx.destination);
          live.stop = function () {
            tap.disconnect(); source.disconnect();
            stream.getTracks().forEach(function (t) { t.stop(); });
          };
        });
      }).catch(function (e) { state.textContent = "麦克风不可用 microphone unavailable: " + e.message; });
  });
  file.addEventListener("change", function () {
    if (!file.files.length || live) { return; }
    file.files[0].arrayBuffer().then(function (data) {
      return start(function (ctx) {
        return ctx.decodeAudioData(data).then(function (audio) {
          var samples = audio.getChannelData(0), step = 1600, i = 0;  // 100 ms
          var timer = setInterval(function () {  // real time, as if spoken
            if (!live || i >= samples.length) { clearInterval(timer); end(); return; }
            send(toPcm(samples.subarray(i, i + step)));
            i += step;
          }, 100);
          live.stop = function () { clearInterval(timer); };
        });
      });
    });
  });
})();
