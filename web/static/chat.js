/* The BMA assistant chat widget: Rasa's socket.io channel, accessible, no HTML injection.
 * Bot and user text are inserted with textContent only; links are built as elements and only
 * http(s) and mailto targets become links. */
(function () {
  "use strict";

  var config = window.BMA_CHAT_CONFIG || {};
  var SOCKET_URL = config.socketUrl || "http://localhost:5005";
  var STORAGE_KEY = "bma-chat-v1";
  var WELCOME = "Je suis un assistant automatique, pas une personne. Ne tapez jamais de mot de passe dans cette conversation.";

  var state = load();
  var socket = null;
  var ready = false; // Rasa answers into the session's room: wait for session_confirm
  var pending = [];
  var els = {};

  function newSessionId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "s-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY));
      if (saved && saved.sessionId && Array.isArray(saved.messages)) return saved;
    } catch (e) { /* unreadable storage: start afresh */ }
    return { sessionId: newSessionId(), messages: [], open: false };
  }

  function save() {
    try { window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Markdown links [text](url), bare URLs and e-mail addresses become <a>; the rest is text.
  var TOKEN = /\[([^\]]+)\]\(((?:https?:\/\/|mailto:)[^\s)]+)\)|(https?:\/\/[^\s<>"')\]]+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

  function safeHref(url) {
    return /^(https?:\/\/|mailto:)/i.test(url) ? url : null;
  }

  function appendRich(parent, text) {
    text.split("\n").forEach(function (line, index) {
      if (index > 0) parent.appendChild(el("br"));
      var last = 0;
      line.replace(TOKEN, function (match, label, url, bare, email, offset) {
        if (offset > last) parent.appendChild(document.createTextNode(line.slice(last, offset)));
        var href = safeHref(url || bare || (email ? "mailto:" + email : ""));
        var trailing = "";
        if (bare && /[.,;:]$/.test(bare)) { trailing = bare.slice(-1); href = safeHref(bare.slice(0, -1)); bare = bare.slice(0, -1); }
        if (href) {
          var a = el("a", { href: href }, label || bare || email);
          if (/^https?:/i.test(href)) { a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener noreferrer"); }
          parent.appendChild(a);
        } else {
          parent.appendChild(document.createTextNode(match));
        }
        if (trailing) parent.appendChild(document.createTextNode(trailing));
        last = offset + match.length;
        return match;
      });
      if (last < line.length) parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  function render(message, live) {
    var item = el("div", { "class": "chat__msg chat__msg--" + message.from });
    var who = el("span", { "class": "visually-hidden" }, message.from === "bot" ? "L'assistant : " : "Vous : ");
    var bubble = el("p", { "class": "chat__bubble" });
    bubble.appendChild(who);
    appendRich(bubble, String(message.text || ""));
    item.appendChild(bubble);
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
    els.log.scrollTop = els.log.scrollHeight;
  }

  function clearReplies() {
    Array.prototype.forEach.call(els.log.querySelectorAll(".chat__replies"), function (g) { g.remove(); });
  }

  function renderAll() {
    els.log.textContent = "";
    render({ from: "bot", text: WELCOME }, false);
    state.messages.forEach(function (m, i) { render(m, i === state.messages.length - 1); });
  }

  function addMessage(message) {
    clearReplies();
    state.messages.push(message);
    if (state.messages.length > 200) state.messages = state.messages.slice(-200);
    save();
    render(message, true);
  }

  function typing(on) {
    els.typing.hidden = !on;
  }

  function send(payload, shown) {
    var text = (payload || "").trim();
    if (!text) return;
    addMessage({ from: "user", text: shown || text });
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
    state = { sessionId: newSessionId(), messages: [], open: true };
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
