// Data in a real homeserver, put there and read back as a client would: a user made with Synapse's own
// register_new_matrix_user (shared secret from the config), a room, a message; then the message read back
// through the client API after an upgrade or a rollback.
import { execa } from 'execa';
import { join } from 'node:path';
import type { RealHomeserver } from './homeserver.js';
import { waitFor } from './homeserver.js';

export interface Seed {
  user: string;
  password: string;
  roomId: string;
  eventId: string;
  body: string;
}

async function call(hs: RealHomeserver, request: { method: string; path: string; body?: unknown; token?: string }): Promise<Record<string, unknown>> {
  const { method, path, body, token } = request;
  const res = await fetch(`${hs.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function login(hs: RealHomeserver, user: string, password: string): Promise<string> {
  const answer = await call(hs, {
    method: 'POST',
    path: '/_matrix/client/r0/login',
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password },
  });
  return String(answer.access_token);
}

/** Registers a user with register_new_matrix_user, makes a room and sends a message into it. */
export async function seedData(hs: RealHomeserver, user = 'alice'): Promise<Seed> {
  const password = `pw-${user}-${Math.random().toString(36).slice(2)}`;
  const reg = await execa(join(hs.venv, 'bin', 'register_new_matrix_user'), ['-c', 'homeserver.yaml', '-u', user, '-p', password, '--no-admin', hs.url], {
    cwd: hs.dir,
    env: hs.env(),
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  if (reg.exitCode !== 0) throw new Error(`register_new_matrix_user failed (exit ${reg.exitCode}): ${reg.stdout}\n${reg.stderr}`);
  const token = await login(hs, user, password);
  const room = await call(hs, { method: 'POST', path: '/_matrix/client/r0/createRoom', body: { name: 'upgrade test', preset: 'private_chat' }, token });
  const roomId = String(room.room_id);
  const body = `written by ${user} before the upgrade at ${new Date().toISOString()}`;
  const seed = { user, password, roomId, eventId: '', body };
  seed.eventId = await sendMessage(hs, seed, token, body);
  return seed;
}

/** Sends a text message into the seed's room; returns the body (for readBack). */
export async function sendMessage(hs: RealHomeserver, seed: Pick<Seed, 'roomId'>, token: string, body: string): Promise<string> {
  const sent = await call(hs, {
    method: 'PUT',
    path: `/_matrix/client/r0/rooms/${encodeURIComponent(seed.roomId)}/send/m.room.message/txn-${Date.now()}-${Math.random()}`,
    body: { msgtype: 'm.text', body },
    token,
  });
  return String(sent.event_id);
}

/** Logs in again and returns the bodies of the room's newest messages, newest first. */
export async function readBack(hs: RealHomeserver, seed: Seed): Promise<string[]> {
  const token = await login(hs, seed.user, seed.password);
  const page = await call(hs, { method: 'GET', path: `/_matrix/client/r0/rooms/${encodeURIComponent(seed.roomId)}/messages?dir=b&limit=20`, token });
  const chunk = (page.chunk ?? []) as { type?: string; content?: { body?: string } }[];
  return chunk.filter((e) => e.type === 'm.room.message').map((e) => String(e.content?.body));
}

/** Rows left in background_updates (SQLite), read with the venv's Python in read-only mode. */
export async function pendingBackgroundUpdates(hs: RealHomeserver): Promise<number> {
  const script =
    'import sqlite3,sys\nc=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True,timeout=10)\nprint(c.execute("select count(*) from background_updates").fetchone()[0])';
  const run = await execa(join(hs.venv, 'bin', 'python'), ['-I', '-c', script, hs.database], { reject: false });
  return run.exitCode === 0 ? Number(String(run.stdout).trim()) : Number.NaN;
}

/**
 * Waits until a fresh database has no background updates left (Synapse runs them for a while after its first
 * start); the wizard's preflight rightly refuses to upgrade while they run.
 */
export async function waitForBackgroundUpdates(hs: RealHomeserver, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => (await pendingBackgroundUpdates(hs)) === 0, timeoutMs, 'background updates of the fresh database to finish', 1000);
}
