// Interop proof: the official @microsoft/signalr client, in Node (no browser), uses Netra with
// only the names in DESIGN.md's "Wire contract (v1)": HTTP routes and bodies, the hub at /ws,
// hub method and event names, channel names and the "CODE: text" error messages.
//
//   NETRA_URL=http://127.0.0.1:5080 node --test interop.test.mjs
//
// Nothing here knows Netra's source. Every wait for the network or for an event is bounded.
// Tests run in file order; the users they share are created once, on first use.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { HttpTransportType, HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";

const BASE = (process.env.NETRA_URL ?? "").replace(/\/+$/, "");
if (!/^https?:\/\/./.test(BASE)) {
  throw new Error("Set NETRA_URL to the server's base URL, e.g. NETRA_URL=http://127.0.0.1:5080 node --test interop.test.mjs");
}

/** Longest wait for one response or one event. */
const TIMEOUT_MS = 10_000;
/** How long to listen to be sure that something did NOT arrive. */
const QUIET_MS = 500;
/** Every server-to-client event in the contract, so that any of them can be observed. */
const EVENTS = [
  "ConnectionEstablished", "NewMessage", "Typing", "PresenceChanged", "NewPost", "NewComment", "Notification",
  "ConnectionRequest", "ConnectionAccepted", "IssueUpdated", "AlertTriggered", "ChannelEvent", "Error",
];
const CHAT_MESSAGE_FIELDS = ["id", "chatId", "seq", "senderId", "senderName", "content", "attachment", "clientMessageId", "timestamp"];

const run = randomBytes(4).toString("hex");
const openConnections = new Set();

after(async () => {
  await Promise.allSettled([...openConnections].map((c) => c.connection.stop()));
});

// ---------------------------------------------------------------------------------------------
// helpers

/** Resolves or rejects like `promise`, or rejects after `ms` naming what was awaited. */
function within(promise, what, ms = TIMEOUT_MS, onTimeout = () => {}) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`Timed out after ${ms} ms waiting for ${what}.`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One HTTP call with fetch. Returns the status, content type, raw text and parsed JSON (if any). */
async function http(method, path, { token, body } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", text, json };
}

function describe(response) {
  return `HTTP ${response.status} ${response.contentType} ${response.text.slice(0, 500)}`;
}

function expectStatus(response, status, request) {
  assert.equal(response.status, status, `${request}: expected ${status}, got ${describe(response)}`);
}

/** An RFC 7807 problem-details response carrying the Netra error `code`. */
function expectProblem(response, status, code, request) {
  expectStatus(response, status, request);
  assert.match(response.contentType, /^application\/problem\+json/, `${request}: problem details expected, got ${describe(response)}`);
  assert.equal(response.json?.code, code, `${request}: code ${code} expected, got ${describe(response)}`);
}

async function register(userName, password, displayName) {
  return http("POST", "/api/auth/register", { body: { userName, password, displayName } });
}

async function login(userName, password) {
  return http("POST", "/api/auth/login", { body: { userName, password } });
}

/** A user registered and logged in: {id, userName, displayName, password, token, expiresAt}. */
async function newUser(label) {
  const userName = `js-${label}-${run}`;
  const password = `pw-${randomUUID()}`;
  const displayName = `JS ${label.toUpperCase()} ${run}`;
  const registered = await register(userName, password, displayName);
  expectStatus(registered, 201, `POST /api/auth/register ${userName}`);
  const loggedIn = await login(userName, password);
  expectStatus(loggedIn, 200, `POST /api/auth/login ${userName}`);
  return { registered: registered.json, login: loggedIn.json, password, userName, displayName };
}

let usersPromise;
/** Users A, B and C, made once and shared by the tests below. */
function users() {
  usersPromise ??= (async () => {
    const [a, b, c] = [await newUser("a"), await newUser("b"), await newUser("c")];
    const shape = (u) => ({ ...u.registered, token: u.login?.accessToken, password: u.password });
    return { raw: { a, b, c }, a: shape(a), b: shape(b), c: shape(c) };
  })();
  return usersPromise;
}

/** Records every event a connection receives; next(name) takes them in order. */
class Inbox {
  constructor(connection) {
    this.events = Object.fromEntries(EVENTS.map((name) => [name, []]));
    this.taken = Object.fromEntries(EVENTS.map((name) => [name, 0]));
    this.listeners = new Set();
    for (const name of EVENTS) {
      connection.on(name, (payload) => {
        this.events[name].push(payload);
        for (const listener of [...this.listeners]) listener();
      });
    }
  }

  next(name, what = name) {
    let listener;
    const arrived = new Promise((resolve) => {
      listener = () => {
        if (this.taken[name] < this.events[name].length) {
          this.listeners.delete(listener);
          resolve(this.events[name][this.taken[name]++]);
        }
      };
      this.listeners.add(listener);
      listener();
    });
    return within(arrived, what, TIMEOUT_MS, () => this.listeners.delete(listener));
  }

  /** Events received but not yet taken with next(). */
  untaken(name) {
    return this.events[name].slice(this.taken[name]);
  }
}

/**
 * A HubConnection built the way the brief (and a web app) builds one: withUrl(NETRA_URL + "/ws",
 * {accessTokenFactory}), JSON protocol, default transports. The client's log goes to `logs`
 * (instead of the console) so that a failure can show it.
 */
function build(token, { url = BASE + "/ws", options } = {}) {
  const logs = [];
  const logger = { log: (level, message) => logs.push(`[${LogLevel[level]}] ${message}`) };
  const connection = new HubConnectionBuilder()
    .withUrl(url, options ?? (token === undefined ? {} : { accessTokenFactory: () => token }))
    .configureLogging(logger)
    .build();
  connection.onclose((error) => logs.push(`[closed] ${error?.message ?? "without an error"}`));
  const inbox = new Inbox(connection);
  return { connection, inbox, logs };
}

async function connect(token, what, buildOptions) {
  const client = build(token, buildOptions);
  openConnections.add(client);
  try {
    await within(client.connection.start(), `${what}: connection.start()`);
  } catch (error) {
    error.message += `\n${what}: client log:\n  ${client.logs.join("\n  ")}`;
    throw error;
  }
  return client;
}

async function disconnect(...clients) {
  await Promise.allSettled(clients.filter(Boolean).map(async (client) => {
    await within(client.connection.stop(), "connection.stop()");
    openConnections.delete(client);
  }));
}

function invoke(client, method, ...args) {
  return within(client.connection.invoke(method, ...args), `invoke("${method}") to complete`);
}

/** The call must reject with an Error whose message starts with `CODE: `. */
async function expectHubError(promise, code, call) {
  let outcome;
  try {
    outcome = { value: await promise };
  } catch (error) {
    outcome = { error };
  }
  assert.ok(outcome.error, `${call}: expected a rejection starting with "${code}: ", but it resolved with ${JSON.stringify(outcome.value)}`);
  assert.ok(outcome.error instanceof Error, `${call}: expected an Error, got ${String(outcome.error)}`);
  assert.ok(
    outcome.error.message.startsWith(`${code}: `),
    `${call}: expected a message starting with "${code}: ", got "${outcome.error.message}"`);
  return outcome.error.message;
}

/** Ping → {serverTime}; proves the connection is still usable. */
async function expectPing(client, afterWhat) {
  assert.equal(client.connection.state, HubConnectionState.Connected, `the connection closed after ${afterWhat}:\n  ${client.logs.join("\n  ")}`);
  const pong = await invoke(client, "Ping");
  assert.equal(typeof pong?.serverTime, "string", `Ping after ${afterWhat} should return {serverTime}, got ${JSON.stringify(pong)}`);
  assert.ok(!Number.isNaN(Date.parse(pong.serverTime)), `Ping's serverTime should be a date, got ${pong.serverTime}`);
}

function expectChatMessage(message, expected, what) {
  const json = JSON.stringify(message);
  assert.ok(message && typeof message === "object", `${what}: a chat message object expected, got ${json}`);
  for (const field of CHAT_MESSAGE_FIELDS) {
    assert.ok(Object.hasOwn(message, field), `${what}: field '${field}' missing from ${json}`);
  }
  for (const [field, value] of Object.entries(expected)) {
    assert.deepEqual(message[field], value, `${what}: ${field} should be ${JSON.stringify(value)} in ${json}`);
  }
  assert.equal(typeof message.id, typeof 0, `${what}: id should be a number in ${json}`);
  assert.equal(typeof message.senderName, "string", `${what}: senderName should be a string in ${json}`);
  const age = Math.abs(Date.now() - Date.parse(message.timestamp));
  assert.ok(age < 5 * 60_000, `${what}: timestamp should be a date close to now in ${json}`);
}

// ---------------------------------------------------------------------------------------------
// tests

test("two users register and log in; registering a taken user name is 409 CONFLICT", async () => {
  const { raw, a, b } = await users();
  for (const u of [raw.a, raw.b]) {
    assert.equal(u.registered.userName, u.userName, `register body: ${JSON.stringify(u.registered)}`);
    assert.equal(u.registered.displayName, u.displayName, `register body: ${JSON.stringify(u.registered)}`);
    assert.ok(Number.isInteger(u.registered.id) && u.registered.id > 0, `register id: ${JSON.stringify(u.registered)}`);

    assert.equal(typeof u.login.accessToken, "string", `login body: ${JSON.stringify(u.login)}`);
    assert.ok(u.login.accessToken.split(".").length === 3, "accessToken should be a JWT");
    assert.ok(Date.parse(u.login.expiresAt) > Date.now(), `expiresAt should be in the future: ${u.login.expiresAt}`);
    assert.deepEqual(u.login.user, u.registered, "login's user should be the registered user");
  }
  assert.notEqual(a.id, b.id);

  const duplicate = await register(raw.a.userName, "another-password", "Someone Else");
  expectProblem(duplicate, 409, "CONFLICT", `POST /api/auth/register ${raw.a.userName} again`);

  const wrongPassword = await login(raw.a.userName, "not-the-password");
  expectProblem(wrongPassword, 401, "UNAUTHORIZED", "POST /api/auth/login with a wrong password");
});

test("GET /ws/config is the websocket_config document pointing at /ws", async () => {
  const response = await http("GET", "/ws/config");
  expectStatus(response, 200, "GET /ws/config");
  const config = response.json?.websocket_config;
  assert.ok(config, `websocket_config missing: ${describe(response)}`);
  assert.equal(config.endpoints?.websocket, "/ws", `endpoints.websocket: ${describe(response)}`);
  for (const key of ["version", "features", "endpoints", "connection_limits"]) {
    assert.ok(config[key] !== undefined, `websocket_config.${key} missing: ${describe(response)}`);
  }
});

test("a chat between two users over /ws: subscribe, live messages, idempotent retry, replay and history", async (t) => {
  const { a, b } = await users();
  const created = await http("POST", "/api/chats", { token: a.token, body: { title: `interop ${run}`, memberIds: [b.id] } });
  expectStatus(created, 201, "POST /api/chats");
  const chat = created.json;
  assert.equal(chat.title, `interop ${run}`);
  assert.ok(Number.isInteger(chat.id) && chat.id > 0, `chat id: ${describe(created)}`);
  assert.deepEqual([...chat.memberIds].sort((x, y) => x - y), [a.id, b.id].sort((x, y) => x - y), `the creator is a member: ${describe(created)}`);
  const channel = `chat:${chat.id}`;

  let clientA, clientB, clientA2;
  try {
    clientA = await connect(a.token, "A");
    clientB = await connect(b.token, "B");
    for (const client of [clientA, clientB]) {
      const established = await client.inbox.next("ConnectionEstablished");
      assert.ok(established && typeof established === "object", `ConnectionEstablished payload: ${JSON.stringify(established)}`);
      assert.ok(client.logs.some((line) => line.includes("WebSocket connected to")),
        `the client should use the WebSocket transport; its log:\n  ${client.logs.join("\n  ")}`);
    }

    for (const client of [clientA, clientB]) {
      const subscribed = await invoke(client, "Subscribe", channel, null);
      assert.deepEqual(subscribed, { channel, lastSeq: 0, recovered: true, missed: [] });
    }

    // A sends; both members get the same message live.
    const first = { chatId: chat.id, content: `hello from A ${run} — ünïcödé ✓`, clientMessageId: randomUUID() };
    const m1 = await invoke(clientA, "SendMessage", first);
    expectChatMessage(m1, { chatId: chat.id, seq: 1, senderId: a.id, content: first.content, attachment: null, clientMessageId: first.clientMessageId }, "SendMessage's result");
    assert.ok([a.displayName, a.userName].includes(m1.senderName), `senderName should name A: ${JSON.stringify(m1)}`);
    t.diagnostic(`senderName is the ${m1.senderName === a.displayName ? "display name" : "user name"}`);
    assert.deepEqual(await clientA.inbox.next("NewMessage", "A's NewMessage seq 1"), m1);
    assert.deepEqual(await clientB.inbox.next("NewMessage", "B's NewMessage seq 1"), m1);

    // B replies; A gets seq 2.
    const reply = { chatId: chat.id, content: `reply from B ${run}`, clientMessageId: randomUUID() };
    const m2 = await invoke(clientB, "SendMessage", reply);
    expectChatMessage(m2, { chatId: chat.id, seq: 2, senderId: b.id, content: reply.content, attachment: null, clientMessageId: reply.clientMessageId }, "B's SendMessage result");
    assert.deepEqual(await clientA.inbox.next("NewMessage", "A's NewMessage seq 2"), m2);
    assert.deepEqual(await clientB.inbox.next("NewMessage", "B's NewMessage seq 2"), m2);

    // A retries the first send: same message back, stored once, broadcast once.
    const again = await invoke(clientA, "SendMessage", first);
    assert.deepEqual(again, m1, "a retry with the same clientMessageId should return the stored message");
    // A broadcast would have been written to each connection before these pings are answered.
    await Promise.all([expectPing(clientA, "the retry"), expectPing(clientB, "the retry")]);
    await delay(QUIET_MS);
    assert.deepEqual(clientA.inbox.untaken("NewMessage"), [], "A should not get a second NewMessage for the retry");
    assert.deepEqual(clientB.inbox.untaken("NewMessage"), [], "B should not get a second NewMessage for the retry");

    // A comes back on a new connection: Subscribe with sinceSeq replays what it missed, in order.
    clientA2 = await connect(a.token, "A again");
    const resumed = await invoke(clientA2, "Subscribe", channel, 0);
    assert.deepEqual(resumed, { channel, lastSeq: 2, recovered: true, missed: [m1, m2] });
    const partial = await invoke(clientA2, "Subscribe", channel, 1);
    assert.deepEqual(partial, { channel, lastSeq: 2, recovered: true, missed: [m2] });

    const history = await http("GET", `/api/chats/${chat.id}/messages?afterSeq=0`, { token: b.token });
    expectStatus(history, 200, "GET /api/chats/{id}/messages?afterSeq=0");
    assert.ok(Array.isArray(history.json), `history should be a bare JSON array: ${describe(history)}`);
    assert.deepEqual(history.json, [m1, m2], "history should hold both messages, in seq order, as the hub sent them");

    const chats = await http("GET", "/api/chats", { token: b.token });
    expectStatus(chats, 200, "GET /api/chats");
    assert.ok(Array.isArray(chats.json) && chats.json.some((c) => c.id === chat.id), `B's chats should list the chat: ${describe(chats)}`);
  } finally {
    await disconnect(clientA, clientB, clientA2);
  }
});

test("hub errors reach the JS client as rejected promises whose message starts with the code", async () => {
  const { a, b, c } = await users();
  const created = await http("POST", "/api/chats", { token: a.token, body: { title: `errors ${run}`, memberIds: [b.id] } });
  expectStatus(created, 201, "POST /api/chats");
  const chatId = created.json.id;

  let clientA, clientC;
  try {
    clientA = await connect(a.token, "A");
    clientC = await connect(c.token, "C");

    await expectHubError(clientC.connection.invoke("Subscribe", `chat:${chatId}`, null), "FORBIDDEN", "C: Subscribe(chat it is not in)");
    await expectPing(clientC, "FORBIDDEN on Subscribe");

    await expectHubError(
      clientC.connection.invoke("SendMessage", { chatId, content: "let me in", clientMessageId: randomUUID() }),
      "FORBIDDEN", "C: SendMessage(chat it is not in)");
    await expectPing(clientC, "FORBIDDEN on SendMessage");

    await expectHubError(clientA.connection.invoke("Subscribe", "nonsense", null), "FORBIDDEN", 'A: Subscribe("nonsense")');
    await expectPing(clientA, "FORBIDDEN on an unknown channel");

    await expectHubError(
      clientA.connection.invoke("SendMessage", { chatId, content: "", clientMessageId: randomUUID() }),
      "VALIDATION_FAILED", "A: SendMessage with empty content");
    await expectPing(clientA, "VALIDATION_FAILED");

    await expectHubError(
      clientA.connection.invoke("SendMessage", { chatId, content: "x".repeat(4001), clientMessageId: randomUUID() }),
      "MESSAGE_TOO_LARGE", "A: SendMessage with 4,001 characters");
    await expectPing(clientA, "MESSAGE_TOO_LARGE");

    await expectHubError(clientA.connection.invoke("NoSuchMethod", 1), "NOT_FOUND", "A: invoke of an unknown hub method");
    await expectPing(clientA, "NOT_FOUND");

    // Nothing above was stored: the chat is still empty.
    const history = await http("GET", `/api/chats/${chatId}/messages?afterSeq=0`, { token: a.token });
    expectStatus(history, 200, "GET /api/chats/{id}/messages");
    assert.deepEqual(history.json, [], "rejected sends must not be stored");

    const forbiddenHistory = await http("GET", `/api/chats/${chatId}/messages?afterSeq=0`, { token: c.token });
    expectProblem(forbiddenHistory, 403, "FORBIDDEN", "GET /api/chats/{id}/messages as a non-member");
  } finally {
    await disconnect(clientA, clientC);
  }
});

test("without a valid token the hub refuses to connect (401) and the API answers 401 UNAUTHORIZED", async () => {
  for (const [what, token] of [["no token", undefined], ["a garbage token", "garbage.token.value"]]) {
    const client = build(token);
    openConnections.add(client);
    let failure;
    try {
      await within(client.connection.start(), `connection.start() with ${what}`);
    } catch (error) {
      failure = error;
    }
    assert.ok(failure, `connecting with ${what} should fail`);
    assert.match(String(failure?.message), /401/, `the error for ${what} should mention 401: ${failure?.message}`);
    assert.equal(client.connection.state, HubConnectionState.Disconnected);
    openConnections.delete(client);
  }

  // The WebSocket handshake itself is authenticated, not only negotiate.
  const direct = build(undefined, { options: { skipNegotiation: true, transport: HttpTransportType.WebSockets } });
  openConnections.add(direct);
  await assert.rejects(within(direct.connection.start(), "a WebSocket without a token to fail"),
    "a WebSocket to /ws without a token, skipping negotiate, should be refused");
  openConnections.delete(direct);

  const chats = await http("GET", "/api/chats");
  expectProblem(chats, 401, "UNAUTHORIZED", "GET /api/chats without a token");

  const garbage = await http("GET", "/api/chats", { token: "garbage.token.value" });
  expectProblem(garbage, 401, "UNAUTHORIZED", "GET /api/chats with a garbage token");
});

test("a WebSocket carrying the token only as ?access_token=, as browsers send it, is accepted", async () => {
  const { a } = await users();
  let client;
  try {
    client = await connect(undefined, "A by query string", {
      url: `${BASE}/ws?access_token=${encodeURIComponent(a.token)}`,
      options: { skipNegotiation: true, transport: HttpTransportType.WebSockets },
    });
    await client.inbox.next("ConnectionEstablished");
    await expectPing(client, "connecting");
  } finally {
    await disconnect(client);
  }
});
