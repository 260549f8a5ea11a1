// omnibroker web chat widget: one <script src=".../widget.js"> draws a chat button and panel.
// Agent text is untrusted for the host page, so every text goes in through textContent.
// The visitor token stays in localStorage so a reload continues the same conversation; the
// transcript (both sides) comes back over Server-Sent Events from /v1/stream, or by long-polling
// /v1/messages when the connector has no stream to spare.
(function () {
  'use strict';
  var base = new URL(document.currentScript.src).origin;
  var storageKey = 'omnibroker.webchat.token';
  var shown = {};

  function el(tag, props, style) {
    var node = document.createElement(tag);
    Object.assign(node, props || {});
    Object.assign(node.style, style || {});
    return node;
  }

  var button = el('button', { textContent: 'Chat with us', id: 'omni-chat-button' },
    { position: 'fixed', right: '1em', bottom: '1em', padding: '0.7em 1.2em' });
  var panel = el('div', { id: 'omni-chat-panel', hidden: true },
    { position: 'fixed', right: '1em', bottom: '4em', width: '20em', background: '#fff',
      border: '1px solid #888', padding: '0.5em', fontFamily: 'sans-serif' });
  var log = el('div', { id: 'omni-chat-log' }, { height: '15em', overflowY: 'auto' });
  var profile = el('div', { id: 'omni-chat-profile' });
  var nameInput = el('input', { id: 'omni-chat-name', placeholder: 'Your name (optional)' });
  var emailInput = el('input', { id: 'omni-chat-email', type: 'email', placeholder: 'Email (optional)' });
  profile.append(nameInput, emailInput);
  var form = el('form', { id: 'omni-chat-form' });
  var textInput = el('input', { id: 'omni-chat-text', placeholder: 'Type a message' });
  var send = el('button', { type: 'submit', textContent: 'Send', id: 'omni-chat-send' });
  var status = el('div', { id: 'omni-chat-status' }, { fontSize: 'small', color: '#a00' });
  form.append(textInput, send);
  panel.append(log, profile, form, status);
  document.body.append(button, panel);
  button.addEventListener('click', function () { panel.hidden = !panel.hidden; });

  function show(message) {
    if (shown[message.event_id]) return;
    shown[message.event_id] = true;
    var line = el('div', { className: 'omni-chat-' + message.from });
    line.dataset.index = message.index;
    line.append(el('b', { textContent: message.from === 'agent' ? 'Agent: ' : 'You: ' }),
      el('span', { textContent: message.text }));
    log.append(line);
    log.scrollTop = log.scrollHeight;
  }

  function listen(token) {
    profile.hidden = true;
    var stream = new EventSource(base + '/v1/stream?token=' + encodeURIComponent(token));
    stream.onmessage = function (e) { show(JSON.parse(e.data)); };
    // A closed stream may be a page unload, a refused token (the connector's secret changed) or
    // a connector with no stream to spare; only a 401 for the same token means start over as a
    // new visitor, anything else falls back to long-polling.
    stream.onerror = function () {
      if (stream.readyState !== EventSource.CLOSED) return;
      fetch(base + '/v1/messages?after=0&wait=0', { headers: { Authorization: 'Bearer ' + token } })
        .then(function (r) {
          if (r.status !== 401) return poll(token, 0);
          localStorage.removeItem(storageKey);
          profile.hidden = false;
        }).catch(function () { poll(token, 0); });
    };
  }

  // Long-polling, for when the connector refuses a stream: both sides of the transcript after
  // `after`. A connector short of threads answers at once with Retry-After, the pause to take.
  function poll(token, after) {
    if (localStorage.getItem(storageKey) !== token) return;
    fetch(base + '/v1/messages?from=all&wait=25&after=' + after,
      { headers: { Authorization: 'Bearer ' + token } })
      .then(function (r) {
        if (r.status === 401) {
          localStorage.removeItem(storageKey);
          profile.hidden = false;
          return;
        }
        if (!r.ok) throw new Error('poll failed: ' + r.status);
        var pause = 1000 * (Number(r.headers.get('Retry-After')) || 0);
        return r.json().then(function (body) {
          body.messages.forEach(show);
          setTimeout(function () { poll(token, body.next); }, pause);
        });
      }).catch(function () { setTimeout(function () { poll(token, after); }, 5000); });
  }

  function register() {
    return fetch(base + '/v1/visitors', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: nameInput.value, email: emailInput.value,
        language: navigator.language.slice(0, 2) })
    }).then(function (r) {
      if (!r.ok) throw new Error('registration failed: ' + r.status);
      return r.json();
    }).then(function (body) {
      localStorage.setItem(storageKey, body.token);
      listen(body.token);
      return body.token;
    });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = textInput.value;
    if (!text.trim()) return;
    var clientId = 'm-' + Date.now() + '-' + Math.floor(Math.random() * 1e9);
    var token = localStorage.getItem(storageKey);
    (token ? Promise.resolve(token) : register()).then(function (t) {
      return fetch(base + '/v1/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + t },
        body: JSON.stringify({ text: text, client_message_id: clientId })
      });
    }).then(function (r) {
      if (!r.ok) throw new Error('not sent (' + r.status + '), please retry');
      textInput.value = '';
      status.textContent = '';
    }).catch(function (err) { status.textContent = err.message; });
  });

  var saved = localStorage.getItem(storageKey);
  if (saved) { panel.hidden = false; listen(saved); }
})();
