/* The chat widget's text helpers (web/static/chat.js uses them; loaded before it): elements built
 * with textContent only, links only for http(s) and mailto targets, the digest that names a rated
 * answer (the same function as feedback/votes.py's digest()), the thumb icon. No state. */
(function () {
  "use strict";

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

  // FNV-1a over UTF-16 code units: the same function as feedback/votes.py's digest().
  function digest(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return ("0000000" + h.toString(16)).slice(-8);
  }

  // 👍 / 👎 drawn as an icon (an emoji depends on the fonts installed), next to the words Oui / Non.
  var SVG = "http://www.w3.org/2000/svg";
  function thumb(down) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "chat__fb-icon");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", "M2 10h4v11H2zM8 10l4-8c1.7 0 3 1.3 3 3v3h5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.6 21H8z");
    path.setAttribute("fill", "currentColor");
    if (down) path.setAttribute("transform", "rotate(180 12 12)");
    svg.appendChild(path);
    return svg;
  }

  window.BMAChatText = { el: el, appendRich: appendRich, digest: digest, thumb: thumb };
})();
