/**
 * The browser half of passkeys, served as /assets/passkeys.js (no bundler, no inline script: the pages'
 * CSP stays `script-src 'self'`). The server speaks WebAuthn's JSON forms (base64url strings); the
 * browser API wants ArrayBuffers, so the conversions are written out here (WebAuthn L3 §5.1.8/§5.1.9
 * `toJSON()` is not in every browser yet).
 *
 * - `[data-passkey-signin]` buttons: "Continue with a passkey" (data-mode="passwordless") and "Use a
 *   passkey" on the second-factor page (data-mode="second_factor").
 * - An email field with `autocomplete="username webauthn"`: conditional UI (§5.1.4.1 mediation
 *   "conditional") where the browser supports it, so saved passkeys appear in the autofill list.
 * - `[data-passkey-register]` forms in the console: create a passkey and send it with its name.
 */
export const PASSKEYS_JS = `'use strict';
(function () {
  if (!window.PublicKeyCredential) return;
  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer), s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function csrf() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : '';
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error(json.error_description || 'That did not work. Please try again.');
        return json;
      });
    });
  }
  function requestOptions(o) {
    o.challenge = toBuffer(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return o;
  }
  function creationOptions(o) {
    o.challenge = toBuffer(o.challenge);
    o.user.id = toBuffer(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return o;
  }
  function common(c) {
    return {
      id: c.id,
      rawId: toBase64url(c.rawId),
      type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      authenticatorAttachment: c.authenticatorAttachment || undefined,
    };
  }
  function assertionJSON(c) {
    var json = common(c);
    json.response = {
      clientDataJSON: toBase64url(c.response.clientDataJSON),
      authenticatorData: toBase64url(c.response.authenticatorData),
      signature: toBase64url(c.response.signature),
      userHandle: c.response.userHandle ? toBase64url(c.response.userHandle) : undefined,
    };
    return json;
  }
  function attestationJSON(c) {
    var json = common(c);
    json.response = {
      clientDataJSON: toBase64url(c.response.clientDataJSON),
      attestationObject: toBase64url(c.response.attestationObject),
      transports: c.response.getTransports ? c.response.getTransports() : [],
    };
    return json;
  }
  function say(text) {
    var status = document.getElementById('passkey-status');
    if (status) status.textContent = text;
  }

  var pending = null;
  function signIn(mode, returnTo, mediation) {
    if (pending) pending.abort();
    var controller = new AbortController();
    pending = controller;
    return post('/auth/passkeys/options', { mode: mode })
      .then(function (options) {
        var request = { publicKey: requestOptions(options), signal: controller.signal };
        if (mediation) request.mediation = mediation;
        return navigator.credentials.get(request);
      })
      .then(function (credential) {
        if (!credential) throw new Error('No passkey was chosen.');
        return post('/auth/passkeys/verify', { mode: mode, return_to: returnTo, response: assertionJSON(credential) });
      })
      .then(function (result) { window.location.assign(result.redirect); })
      .catch(function (error) {
        if (controller.signal.aborted || (error && error.name === 'AbortError')) return;
        say(error && error.name === 'NotAllowedError' ? 'The passkey request was cancelled.' : error.message);
      });
  }

  document.querySelectorAll('[data-passkey-signin]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      say('');
      signIn(button.getAttribute('data-mode'), button.getAttribute('data-return-to') || '/console');
    });
  });

  var email = document.querySelector('input[autocomplete="username webauthn"]');
  if (email && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (available) signIn('passwordless', email.getAttribute('data-return-to') || '/console', 'conditional');
    });
  }

  document.querySelectorAll('form[data-passkey-register]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      say('');
      var name = form.querySelector('input[name="name"]').value;
      post('/console/sign-in-methods/passkeys/options', {})
        .then(function (options) { return navigator.credentials.create({ publicKey: creationOptions(options) }); })
        .then(function (credential) {
          return post('/console/sign-in-methods/passkeys', { name: name, response: attestationJSON(credential) });
        })
        .then(function () { window.location.assign('/console/sign-in-methods?notice=passkey'); })
        .catch(function (error) {
          say(error && error.name === 'NotAllowedError' ? 'The passkey request was cancelled.' : error.message);
        });
    });
  });
})();
`;
