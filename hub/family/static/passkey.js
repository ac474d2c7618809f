// Passkeys on the family page: add one (signed in) or sign in with one. Shown only where the browser has
// WebAuthn with its JSON helpers; the hub checks every answer (hub/family/passkeys.py).
(function () {
  "use strict";
  const PK = window.PublicKeyCredential;
  if (!PK || !PK.parseCreationOptionsFromJSON || !PK.parseRequestOptionsFromJSON) return;
  const box = document.getElementById("passkey");
  if (!box) return;
  const csrf = box.dataset.csrf, status = document.getElementById("passkey-status");
  box.hidden = false;

  async function call(url, body) {
    const reply = await fetch(url, {method: "POST", credentials: "same-origin", body: body || "{}",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}});
    const answer = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(answer.error || `HTTP ${reply.status}`);
    return answer;
  }

  function say(text) { status.textContent = text; }

  const add = document.getElementById("passkey-add");
  if (add) add.addEventListener("click", async () => {
    try {
      const options = await call("/family/api/passkeys/options");
      const made = await navigator.credentials.create({publicKey: PK.parseCreationOptionsFromJSON(options)});
      await call("/family/api/passkeys", JSON.stringify(made.toJSON()));
      say("通行密钥已保存，下次可直接登录 / Passkey saved");
    } catch (err) { say(`未保存 / Not saved: ${err.message}`); }
  });

  const signin = document.getElementById("passkey-signin");
  if (signin) signin.addEventListener("click", async () => {
    try {
      const options = await call("/family/passkey/options");
      const proof = await navigator.credentials.get({publicKey: PK.parseRequestOptionsFromJSON(options)});
      const answer = await call("/family/passkey/login", JSON.stringify(proof.toJSON()));
      window.location.assign(answer.next);
    } catch (err) { say(`未能登录 / Not signed in: ${err.message}`); }
  });
})();
