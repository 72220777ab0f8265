/**
 * @file `lantern serve` under faults and hostile requests, over real sockets against a
 * real child process: resets mid-handshake, malformed WebSocket frames, media requests
 * for folders, FIFOs and non-media files, cookies and headers built to be reflected, and
 * a busy port. After each fault the same process must still answer.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { startLantern, type CliResult } from '../fixtures/cli.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';
import {
  LOOPBACK,
  clientFrame,
  closedOf,
  connectRaw,
  rawExchange,
  rawUpgrade,
  serverCloseCode,
  upgradeRequest,
} from '../fixtures/raw-socket.js';

/** A bound so a hang fails the test instead of stalling the run; not a speed claim. */
const HANG_MS = 30_000;

/** `lantern serve` as a child; resolves with its printed URL once it listens. */
async function startServe(args: string[], env: NodeJS.ProcessEnv) {
  const { child, done } = startLantern(['serve', ...args], env);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
    done.then((r) => reject(new Error(`lantern serve exited early: ${r.stderr}`)), reject);
  });
  return { child, done, url: new URL(url) };
}

/** A contract call over a fresh WebSocket authorised by the token. */
async function call(base: URL, token: string, channel: string, input: unknown) {
  const ws = new WebSocket(`ws://${base.host}/ws?token=${token}`);
  await once(ws, 'open');
  const answer = new Promise<{ ok: boolean }>((resolve) =>
    ws.on('message', (data: Buffer) => {
      // Events are pushed on the same socket; the answer is the message with our id.
      const message = JSON.parse(data.toString()) as { id?: number; result: { ok: boolean } };
      if (message.id === 1) resolve(message.result);
    }),
  );
  ws.send(JSON.stringify({ id: 1, channel, input }));
  const result = await answer;
  ws.close();
  return result;
}

describe('lantern serve under faults', () => {
  let root: string;
  let db: string;
  let renderer: string;
  let global: string[];
  let env: NodeJS.ProcessEnv;
  let serve: { child: ChildProcess; done: Promise<CliResult>; url: URL };
  let port: number;
  let token: string;

  const page = () => fetch(serve.url, { signal: AbortSignal.timeout(HANG_MS) });
  const media = (file: string) =>
    fetch(`${serve.url.origin}/media?token=${token}&path=${encodeURIComponent(file)}`, {
      signal: AbortSignal.timeout(HANG_MS),
    });
  const expectAlive = async () => {
    expect(serve.child.exitCode).toBeNull();
    expect((await page()).status).toBe(200);
    expect(await call(serve.url, token, 'app:info', {})).toMatchObject({ ok: true });
  };

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    renderer = await tempDir();
    await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Lantern</title>');
    await writePhoto(root, { colour: 'blue' });
    global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip'];
    env = { LANTERN_RENDERER_DIR: renderer };
    serve = await startServe(global, env);
    port = Number(serve.url.port);
    token = serve.url.searchParams.get('token') ?? '';
    expect(await call(serve.url, token, 'library:addRoots', { paths: [root] })).toMatchObject({
      ok: true,
    });
    // Added after indexing starts: these are requests to serve, not files to index.
    await writeFile(path.join(root, 'notes.txt'), 'not a photo');
    await mkdir(path.join(root, 'album.jpg'));
    execFileSync('mkfifo', [path.join(root, 'pipe.jpg')]);
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
  });

  afterAll(async () => {
    if (serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.done;
    }
    for (const dir of [root, db, renderer]) await removeDir(dir);
  });

  it('stays up after upgrades without the token that end in a TCP reset', async () => {
    for (let i = 0; i < 3; i++) {
      const socket = await connectRaw(port);
      socket.write(upgradeRequest(port, '/ws'));
      // Once the refusal arrives the server is closing its side; the reset lands on that.
      await new Promise((resolve) => socket.once('data', resolve));
      socket.resetAndDestroy();
      await closedOf(socket);
    }
    await expectAlive();
  });

  it('refuses an upgrade without the token with a complete HTTP answer', async () => {
    const answer = await rawExchange(port, upgradeRequest(port, '/ws'));
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    await expectAlive();
  });

  it.each([
    // A 50 MB frame, announced in its header; the server must not wait for the rest.
    [
      'a 50 MB frame',
      clientFrame(1, Buffer.alloc(65536, 0x20), { declaredLength: 50 << 20 }),
      1009,
    ],
    [
      'a text frame with invalid UTF-8',
      clientFrame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      1007,
    ],
    ['an unmasked client frame', clientFrame(1, Buffer.from('{}'), { masked: false }), 1002],
  ])('closes only the connection that sends %s', async (_name, frame, code) => {
    const other = new WebSocket(`ws://${serve.url.host}/ws?token=${token}`);
    await once(other, 'open');
    const conn = await rawUpgrade(port, `/ws?token=${token}`);
    expect(conn.status).toBe(101);
    conn.socket.write(frame);
    await conn.closed;
    expect(serverCloseCode(conn.received())).toBe(code);
    // The bystander's connection is untouched and a new one works.
    expect(other.readyState).toBe(WebSocket.OPEN);
    other.close();
    await expectAlive();
  });

  it('refuses folders, FIFOs and files Lantern does not index, and keeps serving', async () => {
    const photo = path.join(root, 'blue.jpg');
    expect((await media(photo)).status).toBe(200);
    for (const refused of ['album.jpg', 'pipe.jpg', 'pipe', 'notes.txt']) {
      const response = await media(path.join(root, refused));
      expect(response.status, refused).toBe(404);
      await response.arrayBuffer();
    }
    // More FIFO requests than libuv has pool threads: none may be left blocking one.
    const fifos = await Promise.all(
      Array.from({ length: 8 }, () => media(path.join(root, 'pipe.jpg'))),
    );
    expect(fifos.map((r) => r.status)).toEqual(Array.from({ length: 8 }, () => 404));
    const after = await media(photo);
    expect(after.status).toBe(200);
    expect((await after.arrayBuffer()).byteLength).toBeGreaterThan(0);
    await expectAlive();
  });

  it('keeps the token in an HttpOnly, SameSite=Strict cookie named for its port', async () => {
    const response = await page();
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toBe(`lantern-token-${port}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    const withCookie = (value: string) =>
      fetch(`${serve.url.origin}/`, { headers: { cookie: value } });
    expect((await withCookie(`lantern-token-${port}=${token}`)).status).toBe(200);
    // The port-less name, or another port's cookie, is not this server's token.
    expect((await withCookie(`lantern_token=${token}`)).status).toBe(403);
    expect((await withCookie(`lantern-token-${port + 1}=${token}`)).status).toBe(403);
  });

  it('sends a strict Content-Security-Policy and no-framing headers with the page', async () => {
    const response = await page();
    const policy = response.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ws://${LOOPBACK}:${port}`,
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ])
      expect(policy.split('; ')).toContain(directive);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('never reflects request text into Set-Cookie or any other header', async () => {
    const request = (target: string, headers: string) =>
      rawExchange(port, `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);
    const host = `Host: ${LOOPBACK}:${port}\r\n`;
    const cookies = `Cookie: lantern_token=${token}; lantern-token-${port}=${token}\r\n`;
    const answers = [
      await request('/?token=x;%20Domain=evil.example', host + cookies),
      await request('/?token=%0D%0ASet-Cookie:%20evil.example=1', host + cookies),
      await request('/', `Host: evil.example<script>\r\n${cookies}`),
      await request(`/?token=${token}`, `Host: ${LOOPBACK}:${port}\tevil.example\r\n`),
      await request('/', `${host}Cookie: lantern-token-${port}=evil.example\x01\r\n`),
    ];
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
      expect(answer).not.toContain('evil.example');
      for (const line of answer.split('\r\n').filter((l) => /^set-cookie:/i.test(l)))
        expect(line.replace(/^set-cookie:\s*/i, '')).toBe(
          `lantern-token-${port}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        );
    }
    await expectAlive();
  });

  it('answers a request line it cannot parse as a URL without falling over', async () => {
    const answer = await rawExchange(
      port,
      `GET http://[ HTTP/1.1\r\nHost: ${LOOPBACK}:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    await expectAlive();
  });

  it('prints one sentence and exits non-zero when the port is busy', async () => {
    const blocker = net.createServer();
    blocker.listen(0, LOOPBACK);
    await once(blocker, 'listening');
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const { child, done } = startLantern(['serve', '--port', String(busy), ...global], env);
      const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 90_000));
      const result = await Promise.race([done, hung]);
      if (result === 'hung') child.kill('SIGKILL');
      expect(result).not.toBe('hung');
      const { code, stderr, stdout } = result as CliResult;
      expect(code).not.toBe(0);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `lantern: port ${busy} is in use; choose another with --port or omit it.\n`,
      );
    } finally {
      blocker.close();
    }
  }, 120_000);

  it('is still the same running process after every fault above', async () => {
    await expectAlive();
  });
});
