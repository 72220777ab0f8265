/**
 * @file The page's own <meta> Content-Security-Policy (renderer/index.html) never blocks
 * what the transports' header policy allows: the browser enforces both, so a source
 * missing from the meta (blob: for the proxy player, media: for its fetches) silently
 * breaks a feature the header meant to allow.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/shared/content-policy.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/security.js';

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

async function metaPolicy(): Promise<Map<string, string[]>> {
  const html = await readFile('renderer/index.html', 'utf8');
  const match = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('renderer/index.html has no CSP meta');
  return directives(match[1]);
}

/** Whether a meta source admits a header source (ws://127.0.0.1:* admits any port). */
function admits(meta: readonly string[], source: string): boolean {
  return meta.some(
    (allowed) =>
      allowed === source || (allowed.endsWith(':*') && source.startsWith(allowed.slice(0, -1))),
  );
}

describe("the page's meta policy", () => {
  const shell = contentSecurityPolicy({ media: [], connect: ['ws://127.0.0.1:4321'] });
  it.each([
    ['desktop app', CONTENT_SECURITY_POLICY],
    ['browser shell', shell],
  ])('admits every media, image and connect source of the %s', async (_name, header) => {
    const meta = await metaPolicy();
    const wanted = directives(header);
    for (const name of ['img-src', 'media-src', 'connect-src']) {
      const allowed = meta.get(name) ?? meta.get('default-src') ?? [];
      for (const source of wanted.get(name) ?? []) {
        expect(admits(allowed, source), `${name} ${source}`).toBe(true);
      }
    }
  });
});
