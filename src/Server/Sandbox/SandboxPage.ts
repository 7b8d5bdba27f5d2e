/**
 * The sandbox page (`GET /sandbox`): one self-contained HTML document, nothing loaded from elsewhere.
 * It polls the sandbox's own JSON routes every 2 s (clock, accounts, outbox, events, the JWKS) and
 * drives the clock, reset and key-rotation buttons through them. Text goes into the DOM with `textContent` only; the QR codes
 * (SVG made by the server with the `qrcode` package) are shown as `<img>` data: URIs, which cannot
 * run script. The inline style and script are allowed by their hashes in `sandboxPageCsp`.
 */
import { createHash } from "node:crypto"

/** The page's stylesheet: a plain two-column layout, system fonts only. */
const style = `
:root { color-scheme: light; --ink: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f6f7f9; --accent: #2f5bea; --good: #137a3a; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 12px 24px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 0 0 6px; }
#status { margin-left: auto; font-size: 12px; color: var(--muted); }
#status.bad { color: var(--bad); font-weight: 600; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; padding: 16px 24px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; min-width: 0; }
#clock { grid-column: 1 / -1; display: flex; flex-wrap: wrap; align-items: flex-end; gap: 32px; }
#accounts { grid-row: span 2; }
.label { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.big { font: 600 20px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-left: auto; }
button { font: inherit; padding: 6px 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); color: var(--accent); }
button:disabled { opacity: .5; cursor: wait; }
button.danger { color: var(--bad); }
button.danger:hover { border-color: var(--bad); }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.account { border-top: 1px solid var(--line); padding: 12px 0; }
.account:first-of-type { border-top: 0; padding-top: 0; }
.badge { font-size: 11px; font-weight: 500; padding: 1px 6px; border-radius: 10px; background: var(--bg); color: var(--muted); }
.badge.partner { background: #e8eefe; color: var(--accent); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
dt { color: var(--muted); }
dd { margin: 0; }
.totp { display: flex; gap: 16px; align-items: flex-start; }
.qr { flex: none; width: 164px; height: 164px; border: 1px solid var(--line); }
.code { font: 600 26px/1.2 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; letter-spacing: .08em; margin-right: 8px; }
progress { width: 90px; vertical-align: middle; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 500; font-size: 11px; text-transform: uppercase; color: var(--muted); border-bottom: 1px solid var(--line); padding: 4px 6px; }
td { border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
.scroll { max-height: 420px; overflow: auto; }
tr { transition: background-color 1.5s; }
tr.fresh { background: #fff4c2; }
td.code-cell { font: 600 16px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.type.good { color: var(--good); }
.type.bad { color: var(--bad); font-weight: 600; }
.empty { color: var(--muted); }
h2 .empty { font-weight: 400; }
td.mono { white-space: nowrap; }
td:last-child { overflow-wrap: anywhere; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } #accounts { grid-row: auto; } }
`

/**
 * The page's script. Written without template literals or backslashes, so that it survives being
 * inside this TypeScript template literal unchanged.
 */
const script = `
"use strict";
const POLL_MS = 2000; // how often the page asks the sandbox for news
const FRESH_MS = 8000; // how long a new outbox message or event stays highlighted
const state = {
  lastEventId: 0, // events are fetched with ?after=<the last id shown>
  offset: null, // the last offsetSeconds seen; it only moves forward, except on reset
  clockMs: 0, // sandbox time of the last clock answer ...
  clockAt: 0, // ... and when (performance.now()) it arrived, to tick between polls
  step: -1, // the TOTP step (30 s) of the shown codes
  accountsKey: "", // what the account cards were built from, to rebuild them only on change
  codes: new Map(), // user id -> its TOTP code element
  emails: new Map(), // user id -> email, to name users in the events
  outboxRows: new Map(), // message key -> its row
  busy: false,
  again: false
};

const byId = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes, so nothing is ever parsed as HTML. */
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children || []) node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

/** A JSON call to the sandbox (same origin). */
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw new Error(method + " " + path + " answered " + response.status);
  return response.status === 204 ? null : response.json();
}

/** 2026-01-01 12:00:00 UTC */
const stamp = (ms) => new Date(ms).toISOString().slice(0, 19).replace("T", " ") + " UTC";

/** 01-01 12:00:00, for table cells (UTC; the full stamp is the cell's title) */
const shortStamp = (ms) => new Date(ms).toISOString().slice(5, 19).replace("T", " ");

/** A table cell with a time. */
const timeCell = (iso) => el("td", { class: "mono", title: stamp(Date.parse(iso)) }, [shortStamp(Date.parse(iso))]);

/** 3900 -> "1 h 5 min" */
function duration(total) {
  const parts = [];
  const d = Math.floor(total / 86400), h = Math.floor((total % 86400) / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  if (d) parts.push(d + " d");
  if (h) parts.push(h + " h");
  if (m) parts.push(m + " min");
  if (s || parts.length === 0) parts.push(s + " s");
  return parts.join(" ");
}

function setStatus(text, tone) {
  const status = byId("status");
  status.textContent = text;
  status.className = tone;
}

function emptyRow(columns, text) {
  return el("tr", { class: "empty" }, [el("td", { colspan: String(columns) }, [text])]);
}

/** Forgets the events and outbox shown (after a reset: event ids may start again from 1). */
function forgetHistory() {
  state.lastEventId = 0;
  state.offset = null;
  byId("events-list").replaceChildren(emptyRow(4, "No events yet."));
}

// ---- the clock ---------------------------------------------------------------------------------

function showClock(time) {
  if (state.offset !== null && time.offsetSeconds < state.offset) forgetHistory(); // someone else reset it
  state.offset = time.offsetSeconds;
  state.clockMs = Date.parse(time.now);
  state.clockAt = performance.now();
  const offset = byId("clock-offset");
  offset.dataset.seconds = String(time.offsetSeconds);
  offset.textContent = time.offsetSeconds === 0 ? "0 s (wall time)" : "+" + duration(time.offsetSeconds);
  tick();
}

const sandboxNowMs = () => state.clockMs + (performance.now() - state.clockAt);

/** Every second: the shown time, the TOTP countdowns, and fading highlights. */
function tick() {
  if (state.clockAt === 0) return;
  const ms = sandboxNowMs();
  const now = byId("clock-now");
  now.dateTime = new Date(ms).toISOString();
  now.textContent = stamp(ms);
  const seconds = Math.floor(ms / 1000);
  for (const bar of document.querySelectorAll("progress.left")) bar.value = 30 - (seconds % 30);
  const step = Math.floor(seconds / 30);
  if (state.step !== -1 && step !== state.step) refresh(); // a new TOTP step: fetch the new codes
  state.step = step;
  const wall = performance.now();
  for (const row of document.querySelectorAll("tr.fresh")) if (row.freshUntil < wall) row.classList.remove("fresh");
}

function markFresh(row) {
  row.classList.add("fresh");
  row.freshUntil = performance.now() + FRESH_MS;
}

// ---- users and partners ------------------------------------------------------------------------

function totpBox(user) {
  const code = el("span", { class: "code", "data-testid": "totp-code" }, []);
  state.codes.set(user.id, code);
  // The QR code is the server's SVG as an image: an <img> never runs script, whatever the SVG holds.
  const qr = el("img", {
    class: "qr",
    "data-testid": "totp-qr",
    alt: "QR code of " + user.totp.uri,
    src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(user.totp.qrSvg)
  });
  return el("div", { class: "totp" }, [
    qr,
    el("div", {}, [
      el("div", { class: "label" }, ["TOTP code now"]),
      el("div", {}, [code, el("progress", { class: "left", max: "30", value: "30", title: "seconds left in this 30 s step" }, [])]),
      el("div", { class: "label" }, ["secret"]),
      el("code", { "data-testid": "totp-secret" }, [user.totp.secret]),
      el("div", { class: "label" }, ["otpauth:// URI"]),
      el("code", { "data-testid": "totp-uri" }, [user.totp.uri])
    ])
  ]);
}

function accountCard(user) {
  const partner = user.clientIds.length > 0;
  const card = el("article", { class: "account", "data-testid": "account", "data-user-id": user.id, "data-email": user.email }, [
    el("h3", {}, [user.email, " ", el("span", { class: partner ? "badge partner" : "badge" }, [partner ? "partner" : "user"])]),
    el("dl", {}, [
      el("dt", {}, ["id"]), el("dd", { class: "mono" }, [user.id]),
      el("dt", {}, ["phone"]), el("dd", {}, [user.phone || "none validated"]),
      el("dt", {}, ["client ids"]), el("dd", { "data-testid": "client-ids" }, [partner ? user.clientIds.join(", ") : "none"])
    ])
  ]);
  if (user.totp) card.append(totpBox(user));
  return card;
}

function showAccounts(accounts) {
  const users = accounts.users;
  state.emails = new Map(users.map((user) => [user.id, user.email]));
  byId("accounts-count").textContent = "(" + users.length + ")";
  const key = JSON.stringify(users.map((u) => [u.id, u.email, u.phone, u.clientIds, u.totp && u.totp.uri]));
  if (key !== state.accountsKey) {
    state.accountsKey = key;
    state.codes.clear();
    const list = byId("accounts-list");
    if (users.length === 0) list.replaceChildren(el("p", { class: "empty" }, ["No users yet: create them with POST /sandbox/users and /sandbox/partners."]));
    else list.replaceChildren(...users.map(accountCard));
  }
  // The codes change every step: updated in place, so the cards (and their QR codes) stay put.
  for (const user of users) {
    const code = state.codes.get(user.id);
    if (user.totp && code) {
      code.textContent = user.totp.code;
      code.dataset.at = accounts.now; // the sandbox time the code is for
    }
  }
  byId("accounts").dataset.loaded = "true";
}

// ---- the outbox --------------------------------------------------------------------------------

function showOutbox(messages) {
  const first = state.outboxRows.size === 0 && byId("outbox").dataset.loaded !== "true";
  const rows = new Map();
  for (const message of messages) {
    const key = [message.sentAt, message.channel, message.to, message.code].join(" ");
    let row = state.outboxRows.get(key);
    if (!row) {
      row = el("tr", { "data-testid": "outbox-message", "data-to": message.to }, [
        timeCell(message.sentAt),
        el("td", {}, [message.channel]),
        el("td", { class: "mono" }, [message.to]),
        el("td", { class: "code-cell", "data-testid": "outbox-code" }, [message.code])
      ]);
      if (!first) markFresh(row); // codes already there when the page opened are not news
    }
    rows.set(key, row);
  }
  const list = byId("outbox-list");
  const shown = [...state.outboxRows.keys()];
  const same = rows.size === shown.length && [...rows.keys()].every((key, i) => key === shown[i]);
  if (!same) list.replaceChildren(...(rows.size ? rows.values() : [emptyRow(4, "No codes sent yet.")]));
  state.outboxRows = rows;
  byId("outbox").dataset.loaded = "true";
}

// ---- the security events -----------------------------------------------------------------------

function eventRow(event) {
  const tone = ["refused", "locked", "replayed", "failed"].some((word) => event.type.includes(word)) ? "bad" : "good";
  const who = event.userId ? state.emails.get(event.userId) || event.userId : "";
  const details = [
    event.clientId !== undefined ? "client " + event.clientId : "",
    event.channel || "",
    event.reason || "",
    event.ip ? "from " + event.ip : ""
  ].filter(Boolean).join(" · ");
  return el("tr", { "data-testid": "event", "data-event-id": String(event.id), "data-type": event.type }, [
    timeCell(event.at),
    el("td", {}, [el("span", { class: "type " + tone }, [event.type])]),
    el("td", {}, [who]),
    el("td", {}, [details])
  ]);
}

/** Events come oldest first; each goes on top, so the newest is first, like the outbox. */
function showEvents(events) {
  const list = byId("events-list");
  if (events.length > 0) list.querySelector("tr.empty")?.remove();
  const first = byId("events").dataset.loaded !== "true";
  for (const event of events) {
    if (event.id <= state.lastEventId) continue;
    state.lastEventId = event.id;
    const row = eventRow(event);
    if (!first) markFresh(row);
    list.prepend(row);
  }
  while (list.children.length > 500) list.lastChild.remove();
  byId("events").dataset.loaded = "true";
}

// ---- the signing keys ----------------------------------------------------------------------------

/** The JWKS: the signing key first, then the previous keys that still verify. */
function showKeys(jwks) {
  const list = byId("keys-list");
  list.replaceChildren(...jwks.keys.map((key, i) =>
    el("li", { "data-testid": "signing-key", "data-kid": key.kid }, [
      el("span", { class: "mono" }, [key.kid]),
      " ",
      el("span", { class: "empty" }, [i === 0 ? "(signs new idTokens)" : "(previous: still verifies)"])
    ])
  ));
}

// ---- polling and the buttons -------------------------------------------------------------------

async function refresh() {
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  try {
    const [time, accounts, outbox, events, jwks] = await Promise.all([
      api("GET", "/sandbox/clock"),
      api("GET", "/sandbox/accounts"),
      api("GET", "/sandbox/outbox"),
      api("GET", "/sandbox/events?after=" + state.lastEventId),
      api("GET", "/.well-known/jwks.json")
    ]);
    showClock(time);
    showAccounts(accounts);
    showOutbox(outbox);
    showEvents(events);
    showKeys(jwks);
    setStatus("live, updated every " + POLL_MS / 1000 + " s", "ok");
  } catch (error) {
    setStatus("cannot reach the sandbox: " + error.message, "bad");
  } finally {
    state.busy = false;
    if (state.again) {
      state.again = false;
      refresh();
    }
  }
}

/** Runs a button's action with the buttons disabled, then refreshes everything. */
async function act(action) {
  const buttons = document.querySelectorAll("#clock button, #keys button");
  for (const button of buttons) button.disabled = true;
  try {
    await action();
  } catch (error) {
    setStatus(error.message, "bad");
  } finally {
    for (const button of buttons) button.disabled = false;
    refresh();
  }
}

for (const button of document.querySelectorAll("button[data-advance]")) {
  button.addEventListener("click", () =>
    act(async () => showClock(await api("POST", "/sandbox/clock", { advanceSeconds: Number(button.dataset.advance) })))
  );
}

byId("reset").addEventListener("click", () => {
  const sure = confirm("Reset the sandbox? Every user, partner, code, token, outbox message and event is removed, " +
    "the clock goes back to wall time, faults are cleared and the seed is applied again.");
  if (sure) act(async () => {
    await api("POST", "/sandbox/reset", {});
    forgetHistory();
  });
});

byId("rotate-keys").addEventListener("click", () =>
  act(async () => { await api("POST", "/sandbox/keys/rotate", {}); })
);

refresh();
setInterval(() => { if (!state.busy) refresh(); }, POLL_MS);
setInterval(tick, 1000);
`

/** The page's markup around the style and script. */
const body = `
<header>
  <h1>Rampart sandbox</h1>
  <span id="status" data-testid="status">connecting...</span>
</header>
<main>
  <section id="clock" data-testid="clock">
    <div><div class="label">Sandbox time</div><time id="clock-now" class="big" data-testid="clock-now">...</time></div>
    <div><div class="label">Ahead of wall time</div><span id="clock-offset" class="big" data-testid="clock-offset">...</span></div>
    <div class="buttons">
      <button type="button" data-advance="300">+5 min</button>
      <button type="button" data-advance="900">+15 min</button>
      <button type="button" data-advance="3600">+1 h</button>
      <button type="button" id="reset" class="danger">Reset sandbox</button>
    </div>
  </section>
  <section id="accounts" data-testid="accounts">
    <h2>Users and partners <span id="accounts-count" class="empty"></span></h2>
    <div id="accounts-list"><p class="empty">Loading...</p></div>
  </section>
  <section id="outbox" data-testid="outbox">
    <h2>Outbox <span class="empty">(codes sent by EMAIL and SMS, newest first)</span></h2>
    <div class="scroll"><table>
      <thead><tr><th>sent (UTC)</th><th>channel</th><th>to</th><th>code</th></tr></thead>
      <tbody id="outbox-list"></tbody>
    </table></div>
  </section>
  <section id="keys" data-testid="keys">
    <h2>Signing keys <span class="empty">(the JWKS at /.well-known/jwks.json)</span></h2>
    <ul id="keys-list"></ul>
    <button type="button" id="rotate-keys">Rotate signing key</button>
  </section>
  <section id="events" data-testid="events">
    <h2>Security events <span class="empty">(newest first)</span></h2>
    <div class="scroll"><table>
      <thead><tr><th>at (UTC)</th><th>type</th><th>user</th><th>details</th></tr></thead>
      <tbody id="events-list"><tr class="empty"><td colspan="4">No events yet.</td></tr></tbody>
    </table></div>
  </section>
</main>
`

/** `'sha256-...'`: a CSP source allowing exactly this inline text. */
const cspHash = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

/** The page's HTML. */
export const sandboxPageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rampart sandbox</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>${body}<script>${script}</script>
</body>
</html>
`

/**
 * The page's Content-Security-Policy: its own inline style and script (by hash), fetches to its own
 * origin, data: images (the QR codes), nothing else — no other origin, no plugin, no framing.
 */
export const sandboxPageCsp = [
  "default-src 'none'",
  `script-src ${cspHash(script)}`,
  `style-src ${cspHash(style)}`,
  "img-src data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")
