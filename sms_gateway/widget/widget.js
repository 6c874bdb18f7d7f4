/*
 * The care leavers' assistant: web chat widget.
 *
 * A council embeds it with one tag:
 *   <script src="https://<service>/widget.js" data-council="lancashire" async></script>
 *
 * Optional attributes: data-exit-url (where "Quick exit" goes; default BBC Weather),
 * data-title (the panel's heading). Everything lives in a shadow root, so the page's CSS
 * does not reach in and ours does not leak out. No framework, no cookies, nothing in
 * localStorage: the session id and token are kept in sessionStorage (gone when the browser
 * closes) and the transcript is fetched from the service on each page. See docs/webchat.md.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.careLeaversChat) return; // one widget per page
  const service = new URL(script.src, document.baseURI).origin;
  const council = script.dataset.council;
  if (!council) {
    console.error("care leavers chat: add data-council=\"<council id>\" to the script tag");
    return;
  }
  const exitUrl = script.dataset.exitUrl || "https://www.bbc.co.uk/weather";
  const heading = script.dataset.title || "Leaving care help";
  const storeKey = `care-leavers-chat:${council}`;
  const ASK_FOR_PERSON = "Talk to a person";

  // --- Building the interface (DOM methods only: nothing from the network becomes HTML) ---

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  const host = el("div", { id: "care-leavers-chat", "data-council": council });
  host.hidden = true; // until our stylesheet has loaded, so nothing shows unstyled
  const root = host.attachShadow({ mode: "open" });
  const stylesheet = el("link", { rel: "stylesheet", href: `${service}/widget.css` });
  stylesheet.addEventListener("load", () => { host.hidden = false; });

  const launcher = el("button", {
    type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "panel",
  }, el("span", { class: "launcher-icon", "aria-hidden": "true", text: "\u{1F4AC}" }),
  el("span", { text: "Chat: ask about leaving care" }));

  const title = el("h2", { id: "panel-title", text: heading });
  const exitButton = el("button", { type: "button", class: "exit", text: "Quick exit" });
  const closeButton = el("button", {
    type: "button", class: "close", "aria-label": "Close chat",
  }, el("span", { "aria-hidden": "true", text: "\u00D7" }));
  const intro = el("p", { class: "intro", id: "panel-intro",
    text: "An automatic assistant answers; the leaving care team reads chats that need " +
      "them. In danger now? Call 999." });
  const log = el("div", {
    class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0",
  });
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const typing = el("p", { class: "typing", "aria-hidden": "true", hidden: true },
    el("span", { class: "dot" }), el("span", { class: "dot" }), el("span", { class: "dot" }));
  const input = el("textarea", {
    id: "message", name: "message", rows: "2", maxlength: "1600", autocomplete: "off",
    "aria-describedby": "message-hint",
  });
  const hint = el("p", { id: "message-hint", class: "hint",
    text: "Enter sends. Shift and Enter starts a new line." });
  const sendButton = el("button", { type: "submit", class: "send", text: "Send" });
  const form = el("form", { class: "compose" },
    el("label", { for: "message", text: "Your message" }), input, hint, sendButton);
  const personButton = el("button", { type: "button", class: "person", text: ASK_FOR_PERSON });
  const endButton = el("button", { type: "button", class: "end", text: "End chat" });
  const panel = el("section", {
    id: "panel", class: "panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "panel-title", "aria-describedby": "panel-intro", hidden: true,
  },
  el("header", {}, title, exitButton, closeButton),
  intro, log, typing, status, form,
  el("div", { class: "actions" }, personButton, endButton));

  root.append(stylesheet, launcher, panel);

  // --- State -------------------------------------------------------------------------------

  let chat = readStored(); // {id, token, open}
  const shown = new Set(); // message ids on screen
  let lastOutgoingId = 0; // the newest message to the young person we have (for the stream)
  let sending = Promise.resolve();
  let pending = 0;
  let stream = null; // AbortController of the event stream

  function readStored() {
    try {
      return JSON.parse(sessionStorage.getItem(storeKey)) || {};
    } catch {
      return {};
    }
  }
  function store() {
    try {
      sessionStorage.setItem(storeKey, JSON.stringify(chat));
    } catch {
      /* storage blocked: the chat still works on this page */
    }
  }
  function forget() {
    if (stream) stream.abort();
    stream = null;
    chat = {};
    shown.clear();
    lastOutgoingId = 0;
    try {
      sessionStorage.removeItem(storeKey);
    } catch {
      /* nothing stored */
    }
  }

  // --- The service's web chat API ---------------------------------------------------------

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (chat.token) headers.Authorization = `Bearer ${chat.token}`;
    if (body) headers["Content-Type"] = "application/json";
    const response = await fetch(`${service}/api/chat${path}`, {
      method, headers, body: body ? JSON.stringify(body) : undefined,
      credentials: "omit", keepalive: method === "DELETE",
    });
    if (!response.ok) {
      const error = new Error(`HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  }

  async function ensureSession() {
    if (chat.id) return;
    const created = await api("POST", "/sessions", { council });
    chat = { id: created.session_id, token: created.token, open: true };
    store();
    listen();
  }

  // --- Showing messages ---------------------------------------------------------------------

  const WHO = {
    young_person: () => "You",
    bot: () => "Assistant",
    system: () => "Assistant",
    adviser: (m) => `${m.author_name || "Adviser"}, leaving care team (a person)`,
  };

  function withLinks(text) {
    // Web addresses in a reply become links; everything else stays plain text.
    const parts = text.split(/(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g);
    return parts.map((part, i) => (i % 2
      ? el("a", { href: part, target: "_blank", rel: "noopener noreferrer", text: part })
      : document.createTextNode(part)));
  }

  function showMessage(message) {
    // Returns the new bubble (null if it was on screen already).
    if (message.id != null) {
      if (shown.has(message.id)) return null;
      shown.add(message.id);
      if (message.author !== "young_person") lastOutgoingId = Math.max(lastOutgoingId, message.id);
    }
    const mine = message.author === "young_person";
    const bubble = el("div", {
      class: `message from-${message.author}`, "data-message-id": message.id ?? false,
    });
    bubble.append(el("p", { class: "who", text: WHO[message.author](message) }));
    bubble.append(el("p", { class: "text" }, ...withLinks(message.text)));
    if (message.sources && message.sources.length) {
      const list = el("ul", { class: "sources", "aria-label": "Sources" });
      for (const source of message.sources) {
        if (!source.url) continue;
        list.append(el("li", {}, el("a", {
          href: source.url, target: "_blank", rel: "noopener noreferrer",
          text: source.title || source.url,
        })));
      }
      if (list.children.length) bubble.append(el("p", { class: "sources-label", text: "Sources:" }), list);
    }
    if (!mine && message.options && message.options.length) {
      const group = el("div", { class: "options", role: "group", "aria-label": "Choose one" });
      for (const option of message.options) {
        const button = el("button", { type: "button", class: "option", text: option.title });
        button.addEventListener("click", () => send(option.reply, option.title));
        group.append(button);
      }
      bubble.append(group);
    }
    log.append(bubble);
    if (mine) log.scrollTop = log.scrollHeight;
    return bubble;
  }

  function scrollToStartOf(bubble) {
    // A long answer is read from its first line, not its last.
    if (bubble) log.scrollTop = Math.max(0, bubble.offsetTop - 8);
  }

  function showNote(text) {
    log.append(el("p", { class: "note", text }));
    log.scrollTop = log.scrollHeight;
  }

  function setTyping(on) {
    typing.hidden = !on;
    if (on) status.textContent = "The assistant is typing";
  }

  // --- Sending --------------------------------------------------------------------------------

  function send(text, shownAs) {
    const clean = text.trim();
    if (!clean) return;
    const bubble = { author: "young_person", text: shownAs || clean };
    showMessage(bubble);
    status.textContent = "Message sent";
    pending += 1;
    setTyping(true);
    // One at a time, in order: answers never overtake each other.
    const body = { text: clean, client_message_id: newMessageId() };
    sending = sending.then(async () => {
      try {
        await ensureSession();
        const answer = await sendWithRetries(`/sessions/${chat.id}/messages`, body);
        shown.add(answer.message_id);
        const bubbles = answer.replies.map(showMessage).filter(Boolean);
        scrollToStartOf(bubbles[0]);
        status.textContent = answer.replies.length ? "New reply" : "";
      } catch (error) {
        if (error.status === 404) {
          forget();
          showNote("This chat has ended. Send your message again to start a new one.");
        } else {
          showNote("Your message could not be sent. Check your connection and try again. " +
            "If you're in danger now, call 999.");
        }
      } finally {
        pending -= 1;
        if (!pending) setTyping(false);
      }
    });
  }

  // A network failure or a 5xx (the service restarting, its database failing over) is tried
  // again, with the same message id so the service stores and answers it once: about 15
  // seconds in all before the young person is told it could not be sent.
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];

  async function sendWithRetries(path, body) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await api("POST", path, body);
      } catch (error) {
        const retryable = error.status === undefined || error.status >= 500;
        if (!retryable || attempt >= RETRY_DELAYS_MS.length) throw error;
        status.textContent = "Still sending";
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  function newMessageId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // pages served over http
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  personButton.addEventListener("click", () => send(ASK_FOR_PERSON));

  // --- Live messages: server-sent events over fetch (so the token goes in a header) ------------

  function listen() {
    if (stream || !chat.id) return;
    const controller = new AbortController();
    stream = controller;
    let delay = 1000;
    (async () => {
      while (!controller.signal.aborted) {
        try {
          const response = await fetch(
            `${service}/api/chat/sessions/${chat.id}/events?after=${lastOutgoingId}`,
            { headers: { Authorization: `Bearer ${chat.token}`, Accept: "text/event-stream" },
              credentials: "omit", signal: controller.signal, cache: "no-store" });
          if (response.status === 404) return ended("This chat has ended.");
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
          delay = 1000;
          if (await readEvents(response.body)) return ended("This chat has ended.");
        } catch {
          if (controller.signal.aborted) return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 30000);
      }
    })();
  }

  async function readEvents(body) {
    // Returns true when the service says the chat has ended.
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (event === "end") return true;
        if (event === "message" && data) {
          const message = JSON.parse(data);
          const bubble = showMessage(message);
          scrollToStartOf(bubble);
          if (bubble && message.author === "adviser") {
            status.textContent = `New message from ${message.author_name || "an adviser"}`;
          }
        }
      }
    }
  }

  function ended(note) {
    forget();
    showNote(note);
  }

  // --- Opening, closing, ending, leaving ------------------------------------------------------

  function open(focus = true) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    host.classList.add("open");
    chat.open = true;
    if (chat.id) store();
    if (focus) input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    chat.open = false;
    if (chat.id) store();
    launcher.focus();
  }

  launcher.addEventListener("click", () => open());
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  // Escape also closes the panel when focus is on the page behind it, so the panel never
  // hides what has focus (WCAG 2.4.11) without a way to clear it.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden && !event.defaultPrevented) close();
  });

  endButton.addEventListener("click", async () => {
    if (chat.id) {
      try {
        await api("DELETE", `/sessions/${chat.id}`);
      } catch {
        /* ended or expired already; forgetting it here is what matters */
      }
    }
    forget();
    log.replaceChildren();
    showNote("Chat ended. Nothing from it is kept in this browser.");
    status.textContent = "Chat ended";
    input.focus();
  });

  exitButton.addEventListener("click", quickExit);
  function quickExit() {
    // Leave at once, then tidy up: replace() keeps this page out of the back button.
    const id = chat.id;
    const token = chat.token;
    forget();
    if (id) {
      fetch(`${service}/api/chat/sessions/${id}`, {
        method: "DELETE", headers: { Authorization: `Bearer ${token}` },
        keepalive: true, credentials: "omit",
      }).catch(() => {});
    }
    window.location.replace(exitUrl);
  }

  // --- Start: show the conversation again after moving to another page of the site ----------

  async function resume() {
    if (!chat.id) return;
    try {
      const transcript = await api("GET", `/sessions/${chat.id}/messages`);
      for (const message of transcript.messages) showMessage(message);
      log.scrollTop = log.scrollHeight;
      if (chat.open) open(false); // reopen where it was, without moving focus
      listen();
    } catch (error) {
      if (error.status === 404 || error.status === 401) forget();
    }
  }

  function mount() {
    document.body.append(host);
    resume();
  }
  window.careLeaversChat = { open, close, quickExit };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
