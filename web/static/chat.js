/* The BMA assistant chat widget: Rasa's socket.io channel, accessible, no HTML injection.
 * Bot and user text are inserted with textContent only; links are built as elements and only
 * http(s) and mailto targets become links.
 * Under each answer, « Cette réponse vous a-t-elle aidé ? » 👍 / 👎 (toggle buttons, optional
 * reasons after 👎), posted to the page's own /feedback: the rated bubble is named by the
 * session id, a digest of its text and how many bubbles with that text came before — never
 * the text itself (analytics/rated_answers.py links it to the answer). */
(function () {
  "use strict";

  var config = window.BMA_CHAT_CONFIG || {};
  var SOCKET_URL = config.socketUrl || "http://localhost:5005";
  var FEEDBACK_URL = config.feedbackUrl || "/feedback";
  var STORAGE_KEY = "bma-chat-v1";
  var REASONS = [["not_my_question", "Pas ma question"], ["unclear", "Pas clair"], ["incorrect", "Incorrect"]];
  var WELCOME = "Je suis un assistant automatique, pas une personne. Ne tapez jamais de mot de passe dans cette conversation.";

  var state = load();
  var socket = null;
  var ready = false; // Rasa answers into the session's room: wait for session_confirm
  var pending = [];
  var els = {};
  var ids = 0;
  var helpers = window.BMAChatText;  // chat-text.js, loaded before this file
  var el = helpers.el, appendRich = helpers.appendRich, digest = helpers.digest, thumb = helpers.thumb;

  function newSessionId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "s-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY));
      if (saved && saved.sessionId && Array.isArray(saved.messages)) {
        if (!saved.seen || typeof saved.seen !== "object") saved.seen = {};
        return saved;
      }
    } catch (e) { /* unreadable storage: start afresh */ }
    return { sessionId: newSessionId(), messages: [], open: false, seen: {} };
  }

  // What the user typed is never written to the browser's storage: a user message is kept only
  // once the server has sent it back with any password masked (« user_uttered_shown »); until then
  // it is shown on screen but stored as a placeholder.
  var UNCONFIRMED = "[message en cours d'envoi]";

  function save() {
    var stored = {
      sessionId: state.sessionId, open: state.open, seen: state.seen,
      messages: state.messages.map(function (m) {
        return m.unconfirmed ? { from: m.from, text: UNCONFIRMED } : m;
      })
    };
    try { window.localStorage.setItem(STORAGE_KEY, JSON.stringify(stored)); } catch (e) { /* private mode */ }
  }

  // Each message sent gets one « user_uttered_shown » back, in order.
  var awaitingEcho = [];
  var bubbleOf = typeof WeakMap === "function" ? new WeakMap() : null;

  function confirmShown(text) {
    var m = awaitingEcho.shift();
    if (!m || !m.unconfirmed) return;  // a quick reply: its title was shown, nothing to replace
    delete m.unconfirmed;
    m.text = typeof text === "string" ? text : "[message non conservé]";
    var bubble = bubbleOf && bubbleOf.get(m);
    if (bubble) {
      bubble.textContent = "";
      bubble.appendChild(el("span", { "class": "visually-hidden" }, "Vous : "));
      appendRich(bubble, m.text);
    }
    save();
  }


  function postFeedback(fb, status) {
    var body = JSON.stringify({ session_id: state.sessionId, digest: fb.d, occurrence: fb.n,
      rating: fb.rating || "none", reason: fb.rating === "down" ? (fb.reason || null) : null });
    var done = function (ok) {
      status.textContent = ok ? (fb.rating ? "Merci pour votre avis." : "Avis retiré.")
        : "Votre avis n'a pas pu être envoyé. Réessayez plus tard.";
    };
    if (!window.fetch) { done(false); return null; }
    return window.fetch(FEEDBACK_URL, { method: "POST", headers: { "Content-Type": "application/json" }, body: body,
      credentials: "same-origin" }).then(function (r) { done(r.ok); }, function () { done(false); });
  }

  function toggle(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  // 👍 / 👎 under an answer. The row sits in an aria-live="off" container so that it is not read
  // out with every answer; the thank-you is its own status message.
  function feedbackRow(message) {
    var fb = message.fb;
    var id = "bma-fb-" + (++ids);
    var box = el("div", { "class": "chat__feedback" });
    var group = el("div", { "class": "chat__fb-group", role: "group", "aria-labelledby": id });
    group.appendChild(el("span", { id: id, "class": "chat__fb-question" }, "Cette réponse vous a-t-elle aidé ?"));
    var reasons = el("div", { "class": "chat__fb-group", role: "group", "aria-labelledby": id + "-r" });
    reasons.appendChild(el("span", { id: id + "-r", "class": "chat__fb-question" }, "Pourquoi ? (facultatif)"));
    var status = el("p", { "class": "chat__fb-status", role: "status" });
    var votes = {};
    // One request at a time, each with the state of the moment: quick changes of mind arrive in order.
    var queue = window.Promise ? window.Promise.resolve() : null;
    function send() {
      if (queue) queue = queue.then(function () { return postFeedback(fb, status); });
      else postFeedback(fb, status);
    }
    [["up", "Oui"], ["down", "Non"]].forEach(function (v) {
      var button = el("button", { type: "button", "class": "chat__fb", "aria-pressed": fb.rating === v[0] ? "true" : "false" });
      button.appendChild(thumb(v[0] === "down"));
      button.appendChild(document.createTextNode(v[1]));
      button.addEventListener("click", function () {
        fb.rating = fb.rating === v[0] ? null : v[0];
        if (fb.rating !== "down") fb.reason = null;
        Object.keys(votes).forEach(function (k) { toggle(votes[k], fb.rating === k); });
        reasonButtons.forEach(function (b) { toggle(b.node, fb.reason === b.code); });
        reasons.hidden = fb.rating !== "down";
        save();
        send();
        if (box.scrollIntoView) box.scrollIntoView({ block: "nearest" });
      });
      votes[v[0]] = button;
      group.appendChild(button);
    });
    var reasonButtons = REASONS.map(function (r) {
      var button = el("button", { type: "button", "class": "chat__fb-reason", "aria-pressed": fb.reason === r[0] ? "true" : "false" }, r[1]);
      button.addEventListener("click", function () {
        fb.reason = fb.reason === r[0] ? null : r[0];
        reasonButtons.forEach(function (b) { toggle(b.node, fb.reason === b.code); });
        save();
        send();
        if (box.scrollIntoView) box.scrollIntoView({ block: "nearest" });
      });
      reasons.appendChild(button);
      return { code: r[0], node: button };
    });
    reasons.hidden = fb.rating !== "down";
    box.appendChild(group);
    box.appendChild(reasons);
    box.appendChild(status);
    return box;
  }

  // An answer ends with its « Source : … » line (bma/replies.py): shown discreetly under the
  // bubble, each « §N » of the FAQ linked to that question on this page (#faq-N).
  var SOURCE_PREFIX = "Source : ";

  // Rasa's socket.io channel sends each paragraph as its own message: the source line often
  // arrives alone, and is then drawn without a bubble.
  function splitSource(text) {
    if (text.indexOf(SOURCE_PREFIX) === 0 && text.indexOf("\n") < 0) return { body: "", source: text };
    var at = text.lastIndexOf("\n\n" + SOURCE_PREFIX);
    if (at < 0 || text.indexOf("\n", at + 2) >= 0) return { body: text, source: "" };
    return { body: text.slice(0, at), source: text.slice(at + 2) };
  }

  function sourceLine(source) {
    var line = el("p", { "class": "chat__source" });
    var last = 0;
    source.replace(/§(\d)/g, function (match, number, offset) {
      if (offset > last) line.appendChild(document.createTextNode(source.slice(last, offset)));
      line.appendChild(el("a", { href: "#faq-" + number, "aria-label": "question " + number + " de la FAQ" }, match));
      last = offset + match.length;
      return match;
    });
    if (last < source.length) line.appendChild(document.createTextNode(source.slice(last)));
    return line;
  }

  function render(message, live, withFeedback) {
    var item = el("div", { "class": "chat__msg chat__msg--" + message.from });
    var who = el("span", { "class": "visually-hidden" }, message.from === "bot" ? "L'assistant : " : "Vous : ");
    var bubble = el("p", { "class": "chat__bubble" });
    bubble.appendChild(who);
    var parts = message.from === "bot" ? splitSource(String(message.text || "")) : { body: String(message.text || ""), source: "" };
    if (parts.body || !parts.source) {
      appendRich(bubble, parts.body);
      item.appendChild(bubble);
      if (message.from === "user" && bubbleOf) bubbleOf.set(message, bubble);
    }
    if (parts.source) {
      var line = sourceLine(parts.source);
      if (!parts.body) line.insertBefore(el("span", { "class": "visually-hidden" }, "L'assistant : "), line.firstChild);
      item.appendChild(line);
    }
    if (message.buttons && message.buttons.length && live) {
      var group = el("div", { "class": "chat__replies", role: "group", "aria-label": "Réponses suggérées" });
      message.buttons.forEach(function (b) {
        var button = el("button", { type: "button", "class": "chat__reply" }, String(b.title || ""));
        button.addEventListener("click", function () { send(String(b.payload || ""), String(b.title || "")); });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    els.log.appendChild(item);
    if (withFeedback && message.fb) {
      // Appended after the item is in the log: inside aria-live="off", it is not announced.
      var holder = el("div", { "class": "chat__feedback-holder", "aria-live": "off" });
      item.appendChild(holder);
      holder.appendChild(feedbackRow(message));
    }
    els.log.scrollTop = els.log.scrollHeight;
  }

  // The feedback row goes under the last bubble of an answer (Rasa sends long answers as
  // several bubbles); a row already used stays where it is.
  function lastOfAnswer(index) {
    var next = state.messages[index + 1];
    return !next || next.from !== "bot";
  }

  function clearReplies() {
    Array.prototype.forEach.call(els.log.querySelectorAll(".chat__replies"), function (g) { g.remove(); });
  }

  function renderAll() {
    els.log.textContent = "";
    render({ from: "bot", text: WELCOME }, false, false);
    state.messages.forEach(function (m, i) {
      render(m, i === state.messages.length - 1, m.fb && (lastOfAnswer(i) || m.fb.rating));
    });
  }

  function addMessage(message) {
    clearReplies();
    var previous = state.messages[state.messages.length - 1];
    if (message.from === "bot" && previous && previous.from === "bot" && previous.fb && !previous.fb.rating) {
      var row = els.log.lastElementChild && els.log.lastElementChild.querySelector(".chat__feedback-holder");
      if (row) row.remove();
    }
    if (message.from === "bot" && message.text) {
      var d = digest(message.text);
      state.seen[d] = (state.seen[d] || 0) + 1;
      message.fb = { d: d, n: state.seen[d], rating: null, reason: null };
    }
    state.messages.push(message);
    if (state.messages.length > 200) state.messages = state.messages.slice(-200);
    save();
    render(message, true, !!message.fb);
  }

  function typing(on) {
    els.typing.hidden = !on;
  }

  function send(payload, shown) {
    var text = (payload || "").trim();
    if (!text) return;
    // A quick reply's title is the assistant's own words: nothing to confirm.
    var message = shown ? { from: "user", text: shown } : { from: "user", text: text, unconfirmed: true };
    addMessage(message);
    awaitingEcho.push(message);
    typing(true);
    pending.push(text);
    connect();
    flush();
    clearTimeout(send.timer);
    send.timer = setTimeout(function () { typing(false); }, 20000);
  }

  function flush() {
    while (ready && pending.length) {
      socket.emit("user_uttered", { message: pending.shift(), session_id: state.sessionId });
    }
  }

  function connect() {
    if (socket) return;
    socket = window.io(SOCKET_URL, { transports: ["websocket"], reconnectionAttempts: 10 });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: state.sessionId });
      els.status.textContent = "";
    });
    socket.on("session_confirm", function () {
      ready = true;
      flush();
    });
    socket.on("disconnect", function () { ready = false; });
    socket.on("connect_error", function () {
      typing(false);
      els.status.textContent = "L'assistant est momentanément injoignable. Réessayez dans un instant.";
    });
    socket.on("user_uttered_shown", function (data) { confirmShown(data ? data.text : null); });
    socket.on("bot_uttered", function (data) {
      typing(false);
      if (!data) return;
      var buttons = data.quick_replies || data.buttons || [];
      var text = data.text || "";
      if (!text && !buttons.length) return;
      addMessage({ from: "bot", text: text, buttons: buttons.map(function (b) { return { title: b.title, payload: b.payload }; }) });
    });
  }

  function open() {
    els.panel.hidden = false;
    els.launcher.setAttribute("aria-expanded", "true");
    state.open = true; save();
    connect();
    els.input.focus();
  }

  function close() {
    els.panel.hidden = true;
    els.launcher.setAttribute("aria-expanded", "false");
    state.open = false; save();
    els.launcher.focus();
  }

  function restart() {
    state = { sessionId: newSessionId(), messages: [], open: true, seen: {} };
    save();
    if (socket) { socket.disconnect(); socket = null; }
    ready = false;
    pending = [];
    renderAll();
    connect();
    els.input.focus();
  }

  function build() {
    var root = document.getElementById("bma-chat");
    root.hidden = false;
    els.launcher = el("button", { type: "button", "class": "chat__launcher", "aria-expanded": "false", "aria-controls": "bma-chat-panel" },
      "Poser une question à l'assistant");
    els.panel = el("section", { id: "bma-chat-panel", "class": "chat__panel", role: "dialog", "aria-labelledby": "bma-chat-title" });
    els.panel.hidden = true;
    var header = el("div", { "class": "chat__header" });
    header.appendChild(el("h2", { id: "bma-chat-title", "class": "chat__title" }, "Assistant BMA (automatique)"));
    var restartButton = el("button", { type: "button", "class": "chat__action" }, "Nouvelle conversation");
    var closeButton = el("button", { type: "button", "class": "chat__action", "aria-label": "Fermer l'assistant" }, "Fermer");
    header.appendChild(restartButton);
    header.appendChild(closeButton);
    els.log = el("div", { "class": "chat__log", role: "log", "aria-live": "polite", "aria-label": "Conversation avec l'assistant", tabindex: "0" });
    els.typing = el("p", { "class": "chat__typing", role: "status" }, "L'assistant écrit…");
    els.typing.hidden = true;
    els.status = el("p", { "class": "chat__status", role: "alert" });
    var form = el("form", { "class": "chat__form" });
    var label = el("label", { "for": "bma-chat-input", "class": "chat__label" }, "Votre question");
    els.input = el("input", { id: "bma-chat-input", type: "text", autocomplete: "off", maxlength: "1000",
      placeholder: "Ex. : j'ai perdu le nouveau mot de passe" });
    var submit = el("button", { type: "submit", "class": "chat__send" }, "Envoyer");
    form.appendChild(label); form.appendChild(els.input); form.appendChild(submit);
    els.panel.appendChild(header); els.panel.appendChild(els.log); els.panel.appendChild(els.typing);
    els.panel.appendChild(els.status); els.panel.appendChild(form);
    root.appendChild(els.panel); root.appendChild(els.launcher);

    els.launcher.addEventListener("click", function () { els.panel.hidden ? open() : close(); });
    closeButton.addEventListener("click", close);
    restartButton.addEventListener("click", restart);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = els.input.value;
      els.input.value = "";
      send(text);
    });
    els.panel.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
    renderAll();
    if (state.open) open();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build); else build();
})();
