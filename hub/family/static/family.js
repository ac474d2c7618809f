// The family page: send text or a voice message (PCM recorded with Web Audio, sent as WAV), and keep the
// message thread and notifications fresh. No business rules here: the hub checks everything again.
(function () {
  "use strict";
  const page = document.getElementById("page");
  if (!page) return;
  const student = page.dataset.student, csrf = page.dataset.csrf;
  const status = document.getElementById("status");
  const MAX_SECONDS = 60, RATE = 16000;

  function say(text) { status.textContent = text; }

  async function post(body, type) {
    const reply = await fetch(`/family/api/children/${encodeURIComponent(student)}/messages`, {
      method: "POST", body, headers: {"Content-Type": type, "X-CSRF-Token": csrf}, credentials: "same-origin"});
    const answer = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(answer.error || `HTTP ${reply.status}`);
    return answer;
  }

  function el(tag, text, cls) { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }

  function renderThread(day) {
    const list = document.getElementById("thread");
    list.replaceChildren(...day.messages.map((m) => {
      const li = el("li", m.direction === "to_child" ? "我：" : `${day.student.name}：`, m.direction);
      li.dataset.id = m.id;
      if (m.voice) {
        const a = el("audio"); a.controls = true; a.preload = "none";
        a.src = `/family/api/messages/${m.id}/audio`; li.append(a, ` ${m.seconds}″`);
      } else li.append(m.text);
      const state = m.direction === "to_child" ? (m.read_at ? "已读" : m.delivered_at ? "已送达" : "已发送") : "";
      li.append(" ", el("small", `${m.sent_at.slice(5, 16).replace("T", " ")} ${state}`));
      return li;
    }));
    const notes = document.getElementById("notifications");
    const items = day.notifications.map((n) => el("p", n.text, n.seen ? "note" : "note unseen"));
    notes.replaceChildren(el("h2", "提醒 "), ...(items.length ? items : [el("p", "暂无提醒 / None", "empty")]));
  }

  async function refresh() {
    const reply = await fetch(`/family/api/children/${encodeURIComponent(student)}/day`, {credentials: "same-origin"});
    if (reply.status === 401) { location.href = "/family/"; return; }
    if (reply.ok) renderThread(await reply.json());
  }

  document.getElementById("send-text").addEventListener("click", async () => {
    const box = document.getElementById("text");
    if (!box.value.trim()) return say("请先写几句话 / Write something first");
    try { await post(JSON.stringify({text: box.value}), "application/json"); box.value = ""; say("已发送 / Sent"); refresh(); }
    catch (e) { say(`没有发出：${e.message}`); }
  });

  function wav(chunks, rate) {
    const n = chunks.reduce((s, c) => s + c.length, 0), buf = new ArrayBuffer(44 + n * 2), v = new DataView(buf);
    const str = (o, s) => [...s].forEach((ch, i) => v.setUint8(o + i, ch.charCodeAt(0)));
    str(0, "RIFF"); v.setUint32(4, 36 + n * 2, true); str(8, "WAVE"); str(12, "fmt "); v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true);
    v.setUint16(32, 2, true); v.setUint16(34, 16, true); str(36, "data"); v.setUint32(40, n * 2, true);
    let o = 44;
    for (const c of chunks) for (let i = 0; i < c.length; i++, o += 2) v.setInt16(o, Math.max(-1, Math.min(1, c[i])) * 0x7fff, true);
    return new Blob([buf], {type: "audio/wav"});
  }

  let rec = null;
  const recordBtn = document.getElementById("record"), stopBtn = document.getElementById("stop");
  recordBtn.addEventListener("click", async () => {
    if (!navigator.mediaDevices) return say("这个浏览器不能录音 / This browser cannot record");
    try {
      const stream = await navigator.mediaDevices.getUserMedia({audio: true});
      const ctx = new AudioContext({sampleRate: RATE});
      const source = ctx.createMediaStreamSource(stream), node = ctx.createScriptProcessor(4096, 1, 1);
      const chunks = [], started = Date.now();
      node.onaudioprocess = (ev) => {
        chunks.push(new Float32Array(ev.inputBuffer.getChannelData(0)));
        const s = (Date.now() - started) / 1000;
        document.getElementById("timer").textContent = `${s.toFixed(0)} / ${MAX_SECONDS} 秒`;
        if (s >= MAX_SECONDS) stopBtn.click();
      };
      source.connect(node); node.connect(ctx.destination);
      rec = {stream, ctx, node, chunks};
      recordBtn.disabled = true; stopBtn.disabled = false; say("正在录音… / Recording…");
    } catch (e) { say(`不能录音：${e.message}`); }
  });
  stopBtn.addEventListener("click", async () => {
    if (!rec) return;
    const r = rec; rec = null;
    r.node.disconnect(); r.stream.getTracks().forEach((t) => t.stop());
    const rate = r.ctx.sampleRate; await r.ctx.close();
    recordBtn.disabled = false; stopBtn.disabled = true;
    try { await post(wav(r.chunks, rate), "audio/wav"); say("语音已发送 / Voice message sent"); refresh(); }
    catch (e) { say(`没有发出：${e.message}`); }
  });

  setInterval(refresh, 10000);
})();
