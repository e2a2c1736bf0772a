/**
 * Small HTTP helpers shared by the local emulators (loopback only).
 * @packageDocumentation
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The only interface the emulators listen on. */
export const LOOPBACK = '127.0.0.1';

/** Reads a request (or response) body fully. Rejects above `limitBytes`. */
export function readBody(stream: http.IncomingMessage, limitBytes = 110 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new Error('body too large'));
        stream.destroy();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Sends a JSON answer. `contentType` defaults to plain JSON. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Parses JSON, returning `undefined` instead of throwing. */
export function tryParseJson(text: string | Buffer): unknown {
  try {
    const s = typeof text === 'string' ? text : text.toString('utf8');
    return s.length ? JSON.parse(s) : undefined;
  } catch {
    return undefined;
  }
}

/** How long an emulator keeps an idle keep-alive connection open. */
export const IDLE_KEEP_ALIVE_MS = 120_000;

/** A server plus the set of its open sockets, so it can be closed at once. */
export interface TrackedServer {
  server: http.Server;
  sockets: Set<Socket>;
}

/** Creates an HTTP server that remembers its sockets (for a hard close). */
export function createTrackedServer(handler: http.RequestListener): TrackedServer {
  // Idle keep-alive connections stay open longer than any client keeps one idle: a server that
  // closes one just as a client reuses it makes a one-attempt client fail with ECONNRESET.
  const server = http.createServer({ keepAliveTimeout: IDLE_KEEP_ALIVE_MS }, handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return { server, sockets };
}

/** Listens on loopback; `port` 0 picks a free one. Resolves to the bound port. */
export function listen(server: http.Server, port = 0, host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Listens on `port` when free, otherwise on any free port. */
export async function listenPreferring(server: http.Server, port: number | undefined): Promise<number> {
  if (port) {
    try {
      return await listen(server, port);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  return listen(server, 0);
}

/** Stops accepting, destroys every open socket, resolves when closed. Never rejects. */
export function closeHard(t: TrackedServer): Promise<void> {
  return new Promise((resolve) => {
    if (!t.server.listening) {
      for (const s of t.sockets) s.destroy();
      resolve();
      return;
    }
    t.server.close(() => resolve());
    for (const s of t.sockets) s.destroy();
  });
}

/** Asks the OS for a free loopback port (probe then release). Prefer listening on 0 where possible. */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  const port = await listen(s, 0);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves after `ms` milliseconds (unref'd timer). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    t.unref?.();
  });
}

/** A small deterministic PRNG (mulberry32); `Math.random` when no seed is given. */
export function makeRandom(seed?: number): () => number {
  if (seed === undefined) return Math.random;
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random string of letters and digits. */
export function randomAlnum(length: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return out;
}
