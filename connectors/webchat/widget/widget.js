// omnibroker web chat widget: one <script src=".../widget.js"> draws a chat button and panel.
// Agent text is untrusted for the host page, so every text goes in through textContent.
// The visitor token stays in localStorage so a reload continues the same conversation. It expires
// a day after it was issued, and every answer carries a fresh one, kept at once. A refused token
// (expired, or of an old format) makes the widget register again sending it: the connector keeps
// the visitor, and the conversation, while it still holds them.
// The transcript (both sides) comes back over Server-Sent Events from /v1/stream, opened with a
// single-use ticket: an EventSource cannot send the token in a header, and a token in a URL ends
// up in logs. When the connector has no stream to spare, the widget long-polls /v1/messages.
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

  function token() { return localStorage.getItem(storageKey); }

  // The JSON of an answer, keeping the fresh token it carries; an error for any other status.
  function accept(r) {
    if (!r.ok) throw new Error('not sent (' + r.status + '), please retry');
    return r.json().then(function (body) {
      if (body.token) localStorage.setItem(storageKey, body.token);
      return body;
    });
  }

  // A new visitor, or the same one again when the token sent along is still honoured. Calls
  // refused at the same time share one registration, so they go on as one visitor.
  var registering = null;
  function register() {
    if (registering) return registering;
    var headers = { 'Content-Type': 'application/json' };
    if (token()) headers.Authorization = 'Bearer ' + token();
    registering = fetch(base + '/v1/visitors', {
      method: 'POST', headers: headers,
      body: JSON.stringify({ name: nameInput.value, email: emailInput.value,
        language: navigator.language.slice(0, 2) })
    }).then(accept).finally(function () { registering = null; });
    return registering;
  }

  // A call with the token: registers first when there is none, and once again when the token
  // is refused.
  function call(method, path, body) {
    function attempt() {
      var init = { method: method, headers: { Authorization: 'Bearer ' + token() } };
      if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      return fetch(base + path, init);
    }
    return (token() ? attempt() : register().then(attempt)).then(function (r) {
      return r.status === 401 ? register().then(attempt) : r;
    });
  }

  // The live transcript. The ticket works once: a stream that had opened and drops (a network
  // blip, its token's expiry) comes back with a new ticket; one refused outright (no stream to
  // spare, a ticket refused) gives way to long-polling for the rest of the page.
  var listening = false;
  function listen() {
    listening = true;
    profile.hidden = true;
    call('POST', '/v1/stream-tickets').then(accept).then(function (body) {
      var opened = false;
      var stream = new EventSource(base + '/v1/stream?ticket=' + encodeURIComponent(body.ticket));
      stream.onopen = function () { opened = true; };
      stream.onmessage = function (e) { show(JSON.parse(e.data)); };
      stream.onerror = function () {
        stream.close();
        if (opened) setTimeout(listen, 1000); else poll(0);
      };
    }).catch(function () { poll(0); });
  }

  // Both sides of the transcript after `after`. A connector short of threads answers at once
  // with Retry-After, the pause to take before asking again.
  function poll(after) {
    call('GET', '/v1/messages?from=all&wait=25&after=' + after).then(function (r) {
      var pause = 1000 * (Number(r.headers.get('Retry-After')) || 0);
      return accept(r).then(function (body) {
        body.messages.forEach(show);
        setTimeout(function () { poll(body.next); }, pause);
      });
    }).catch(function () { setTimeout(function () { poll(after); }, 5000); });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = textInput.value;
    if (!text.trim()) return;
    var clientId = 'm-' + Date.now() + '-' + Math.floor(Math.random() * 1e9);
    call('POST', '/v1/messages', { text: text, client_message_id: clientId }).then(accept)
      .then(function () {
        textInput.value = '';
        status.textContent = '';
        if (!listening) listen();
      }).catch(function (err) { status.textContent = err.message; });
  });

  if (token()) { panel.hidden = false; listen(); }
})();
