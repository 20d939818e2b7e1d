// Passkeys: ask the browser to make one (setup) or to sign with one (sign-in), with the
// options Tend's server made, and send the browser's answer back as JSON. Mounted on
// [data-passkey-setup] and [data-passkey-signin].

function toBytes(base64url) {
  const padded = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4))
    .replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function toBase64url(buffer) {
  const text = String.fromCharCode(...new Uint8Array(buffer));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The token comes with the block itself: after a boosted navigation (sign-in is one) the
// body's hx-headers still hold the token of the page before.
async function postJson(url, body, csrfToken) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.error || String(response.status)), { shown: Boolean(data.error) });
  return data;
}

// The browser's own JSON helpers where it has them (Chrome 129+, Firefox 119+, Safari 18.4+);
// the conversions by hand elsewhere.
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: toBytes(json.challenge),
    user: { ...json.user, id: toBytes(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: toBytes(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) })),
  };
}

function asJson(credential) {
  if (credential.toJSON) return credential.toJSON();
  const response = {};
  for (const name of ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"]) {
    if (credential.response[name]) response[name] = toBase64url(credential.response[name]);
  }
  return { id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type, response, clientExtensionResults: {} };
}

export function mount(root) {
  const button = root.querySelector("[data-passkey-start]");
  const status = root.querySelector("[data-passkey-status]");
  const say = (text) => { status.textContent = text; status.hidden = false; };
  if (!window.PublicKeyCredential) { say(root.dataset.textUnsupported); button.disabled = true; return; }
  const setup = root.hasAttribute("data-passkey-setup");
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.hidden = true;
    try {
      const options = await postJson(root.dataset.optionsUrl, {}, root.dataset.csrfToken);
      let credential;
      try {
        credential = setup
          ? await navigator.credentials.create({ publicKey: creationOptions(options) })
          : await navigator.credentials.get({ publicKey: requestOptions(options) });
      } catch (error) {
        say(root.dataset.textCancelled);
        return;
      }
      const body = { credential: asJson(credential) };
      const name = root.querySelector("[data-passkey-name]");
      if (name) body.name = name.value;
      const result = await postJson(root.dataset.verifyUrl, body, root.dataset.csrfToken);
      window.location.assign(result.redirect);
    } catch (error) {
      say(error.shown ? error.message : root.dataset.textCancelled);
    } finally {
      button.disabled = false;
    }
  });
}
