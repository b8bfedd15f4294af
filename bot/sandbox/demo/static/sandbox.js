// The sandbox page: people, their chat with the bot, and the bot's Bot API calls.
// Plain JavaScript, no build step. State comes from /ws: a snapshot, then changes.
"use strict";

const state = {
  people: new Map(),        // chat id -> person
  messages: new Map(),      // chat id -> Map(message id -> message)
  keyboards: new Map(),     // chat id -> reply keyboard rows or null
  unread: new Map(),        // chat id -> count of bot messages not seen
  commands: {},             // language code -> [{command, description}]
  requests: [],
  violations: 0,
  current: null,
  clockOffset: 0,           // the sandbox clock minus this browser's clock, in ms
  clockRead: 0,             // the newest sandbox time read, in ms since the epoch
};

const $ = (selector) => document.querySelector(selector);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// Telegram entities (offsets in UTF-16 units, as JavaScript strings) to DOM nodes.
const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote", spoiler: "span", text_link: "a",
};

function renderText(text, entities) {
  const fragment = document.createDocumentFragment();
  const cuts = new Set([0, text.length]);
  for (const e of entities || []) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  for (let i = 0; i < points.length - 1; i++) {
    const [start, end] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(start, end));
    for (const e of entities || []) {
      const tag = ENTITY_TAGS[e.type];
      if (!tag || e.offset > start || e.offset + e.length < end) continue;
      const wrapper = el(tag);
      if (e.type === "spoiler") wrapper.className = "spoiler";
      if (e.type === "text_link" && /^https?:/.test(e.url || "")) {
        wrapper.href = e.url; wrapper.target = "_blank"; wrapper.rel = "noopener";
      }
      wrapper.append(node);
      node = wrapper;
    }
    fragment.append(node);
  }
  return fragment;
}

function initials(name) {
  return name.split(/\s+/).map((part) => part[0] || "").join("").slice(0, 2).toUpperCase();
}

// ---- people ---------------------------------------------------------------------------

function renderPeople() {
  const list = $("#people");
  list.replaceChildren();
  for (const person of state.people.values()) {
    const unread = state.unread.get(person.id) || 0;
    const button = el(
      "button",
      { type: "button", className: "person", dataset: { id: person.id } },
      el("span", { className: "avatar", "aria-hidden": "true" }, initials(person.name)),
      el("span", {}, el("span", { className: "person-name" }, person.name),
        el("span", { className: "person-role" }, person.role)),
      unread ? el("span", { className: "unread", title: "new messages" }, String(unread)) : null,
    );
    button.setAttribute("aria-current", String(person.id === state.current));
    button.addEventListener("click", () => select(person.id));
    list.append(el("li", {}, button));
  }
}

function select(chatId) {
  state.current = chatId;
  state.unread.set(chatId, 0);
  const person = state.people.get(chatId);
  $("#chat-subtitle").textContent = person
    ? `bot · you are ${person.name}, ${person.role}, phone ${person.phone}` : "bot";
  renderPeople();
  renderChat();
  renderCommands();
  renderClock();
  $("#composer input").focus();
}

// ---- the demo clock -------------------------------------------------------------------

// The sandbox's time, shown in the chosen person's zone. Between readings from the
// sandbox it runs on with this browser's clock; every skip sends a fresh reading.
// The sandbox clock never goes back, so a reading older than one seen is stale.
function setClock(clock, fresh = false) {
  const read = Date.parse(clock.now);
  if (!fresh && read < state.clockRead) return;
  state.clockRead = read;
  state.clockOffset = read - Date.now();
  renderClock();
}

function currentZone() {
  const person = state.people.get(state.current);
  return (person && person.time_zone) || "UTC";
}

function clockTime(date, withDay = false) {
  const day = withDay ? { weekday: "short", day: "numeric", month: "short" } : {};
  return new Intl.DateTimeFormat("en-GB", {
    ...day, hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: currentZone(),
  }).format(date);
}

function renderClock() {
  const zone = currentZone();
  const now = new Date(Date.now() + state.clockOffset);
  const shown = clockTime(now, true);
  const node = $("#clock-now");
  node.textContent = `${shown} ${zone.split("/").pop().replace(/_/g, " ")}`;
  node.dateTime = now.toISOString();
}

async function skipAhead(button) {
  const buttons = document.querySelectorAll(".clock button");
  for (const b of buttons) b.disabled = true;
  try {
    const response = await fetch("/api/clock", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ advance_minutes: Number(button.dataset.minutes) }),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) setClock(answer);
    else showToast(answer.error || `the sandbox answered ${response.status}`);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

// ---- the chat -------------------------------------------------------------------------

function messageNode(message) {
  const bubble = el("div", { className: "bubble" });
  if (message.document) {
    bubble.append(el("a", {
      className: "document", href: `/files/${encodeURIComponent(message.document.file_id)}`,
      download: message.document.name,
    }, `${message.document.name} (${Math.max(1, Math.round(message.document.size / 1024))} KB)`));
    if (message.text) bubble.append(el("div", {}, renderText(message.text, message.entities)));
  } else if (message.contact) {
    bubble.append(el("span", { className: "contact" }, `Contact: ${message.contact.phone}`));
  } else {
    bubble.append(renderText(message.text || "", message.entities));
  }
  const time = clockTime(new Date((message.sandbox_date ?? message.date) * 1000));
  bubble.append(el("span", { className: "meta" }, message.edited ? `edited ${time}` : time));
  const node = el("li", {
    className: `msg ${message.from_bot ? "bot" : "me"}`,
    dataset: { messageId: message.message_id },
  }, bubble);
  if (message.inline_keyboard.length) {
    const keyboard = el("div", { className: "inline-keyboard" });
    for (const row of message.inline_keyboard) {
      const line = el("div", { className: "kb-row" });
      for (const button of row) {
        if (button.url) {
          const link = /^https?:/.test(button.url) ? { href: button.url, target: "_blank", rel: "noopener" } : {};
          line.append(el("a", link, button.text));
        } else {
          const b = el("button", { type: "button" }, button.text);
          b.addEventListener("click", () => act("press", { message_id: message.message_id, data: button.data }));
          line.append(b);
        }
      }
      keyboard.append(line);
    }
    node.append(keyboard);
  }
  return node;
}

function renderChat() {
  const list = $("#messages");
  const chat = state.messages.get(state.current) || new Map();
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren(...[...chat.values()]
    .filter((m) => !m.deleted)
    .sort((a, b) => a.message_id - b.message_id)
    .map(messageNode));
  if (nearBottom || list.dataset.chat !== String(state.current)) list.scrollTop = list.scrollHeight;
  list.dataset.chat = String(state.current);
  renderReplyKeyboard();
}

function renderReplyKeyboard() {
  const box = $("#reply-keyboard");
  const rows = state.keyboards.get(state.current);
  box.replaceChildren();
  box.hidden = !rows;
  for (const row of rows || []) {
    const line = el("div", { className: "kb-row" });
    for (const button of row) {
      const b = el("button", { type: "button", className: button.contact ? "contact-button" : "" },
        button.text);
      b.addEventListener("click", () => act("reply", { text: button.text }));
      line.append(b);
    }
    box.append(line);
  }
}

function renderCommands() {
  const person = state.people.get(state.current);
  const language = (person && person.language || "").slice(0, 2);
  const menu = state.commands[`${state.current}:${language}`] || state.commands[`${state.current}:`]
    || state.commands[language] || state.commands[""] || [];
  $("#commands").replaceChildren(...menu.map((c) => {
    const b = el("button", { type: "button", title: c.description }, `/${c.command}`);
    b.addEventListener("click", () => act("text", { text: `/${c.command}` }));
    return b;
  }));
}

function showToast(text) {
  const toast = $("#toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => { toast.hidden = true; }, 3000);
}

function showAlert(text) {
  $("#alert-text").textContent = text;
  $("#alert").hidden = false;
  $("#alert-ok").focus();
}

// ---- requests -------------------------------------------------------------------------

function requestNode(request) {
  const bad = request.violations.length > 0;
  const node = el("li", {
    className: `req${bad ? " violation" : ""}${request.status !== 200 ? " failed" : ""}`,
    dataset: { method: request.method },
  },
  el("div", { className: "req-head" },
    el("span", { className: "req-method" }, request.method),
    el("span", { className: "req-status", title: request.description || "" },
      `${request.status} · ${request.ms} ms`)),
  request.params.length ? el("div", { className: "req-params" }, request.params.join("  ")) : null);
  for (const violation of request.violations) node.append(el("div", { className: "req-violation" }, violation));
  if (!bad && request.status !== 200 && request.description) {
    node.append(el("div", { className: "req-params" }, request.description));
  }
  return node;
}

function addRequest(request) {
  state.requests.push(request);
  if (request.violations.length) state.violations += request.violations.length;
  const list = $("#requests");
  list.prepend(requestNode(request));
  while (list.children.length > 300) list.lastChild.remove();
  $("#request-count").textContent = String(state.requests.length);
  const count = $("#violation-count");
  count.hidden = state.violations === 0;
  count.textContent = `${state.violations} violation${state.violations === 1 ? "" : "s"}`;
  $("#toggle-requests").classList.toggle("bad", state.violations > 0);
}

// ---- the feed -------------------------------------------------------------------------

function storeMessage(message) {
  if (!state.messages.has(message.chat_id)) state.messages.set(message.chat_id, new Map());
  const chat = state.messages.get(message.chat_id);
  const known = chat.get(message.message_id);
  if (known && known.revision >= message.revision) return false;
  chat.set(message.message_id, message);
  return !known && message.from_bot;
}

function apply(payload) {
  if (payload.type === "snapshot") {
    state.people.clear(); state.messages.clear(); state.keyboards.clear();
    state.requests = []; state.violations = 0;
    $("#requests").replaceChildren();
    for (const person of payload.people) state.people.set(person.id, person);
    for (const message of payload.messages) storeMessage(message);
    for (const chat of payload.chats) state.keyboards.set(chat.chat_id, chat.reply_keyboard);
    for (const request of payload.requests) addRequest(request);
    state.commands = payload.commands || {};
    setClock(payload.clock, true);  // fresh: after a restart the sandbox starts anew
    if (!state.people.has(state.current)) state.current = payload.people.length ? payload.people[0].id : null;
    select(state.current);
  } else if (payload.type === "person") {
    state.people.set(payload.person.id, payload.person);
    renderPeople();
  } else if (payload.type === "clock") {
    setClock(payload.clock);
  } else if (payload.type === "request") {
    addRequest(payload.request);
  } else if (payload.type === "changes") {
    for (const message of payload.messages) {
      if (storeMessage(message) && message.chat_id !== state.current) {
        state.unread.set(message.chat_id, (state.unread.get(message.chat_id) || 0) + 1);
      }
    }
    for (const chat of payload.chats) state.keyboards.set(chat.chat_id, chat.reply_keyboard);
    for (const alert of payload.alerts) {
      if (alert.chat_id === state.current && alert.text) {
        if (alert.show_alert) showAlert(alert.text); else showToast(alert.text);
      }
    }
    renderPeople();
    renderChat();
  }
}

function connect() {
  const status = $("#connection");
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.addEventListener("open", () => { status.textContent = "live"; status.className = "connection live"; });
  socket.addEventListener("message", (event) => apply(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    status.textContent = "disconnected, retrying…"; status.className = "connection down";
    setTimeout(connect, 1500);
  });
}

// ---- what the person does -------------------------------------------------------------

async function act(kind, body) {
  if (state.current == null) return;
  const response = await fetch(`/api/chats/${state.current}/${kind}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    showToast(answer.error || `the sandbox answered ${response.status}`);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = event.target.elements.text;
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    act("text", { text });
  });
  $("#add-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const response = await fetch("/api/people", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.fromEntries(new FormData(form))),
    });
    if (response.ok) {
      const person = await response.json();
      state.people.set(person.id, person);
      form.reset();
      form.closest("details").open = false;
      select(person.id);
    } else {
      showToast("could not add that person");
    }
  });
  $("#toggle-requests").addEventListener("click", (event) => {
    const open = $("#requests-panel").classList.toggle("open");
    event.currentTarget.setAttribute("aria-expanded", String(open));
    if (open) $("#requests-panel").scrollIntoView({ block: "start" });
  });
  $("#alert-ok").addEventListener("click", () => { $("#alert").hidden = true; });
  for (const button of document.querySelectorAll(".clock button")) {
    button.addEventListener("click", () => skipAhead(button));
  }
  setInterval(renderClock, 10_000);
  connect();
});
