/**
 * Refused requests cost little and lock nobody out. Through the agent as a process (web UI on
 * its default rate limit, 300 requests per minute per client):
 * - a flood of 1,200 refused requests with 15 KB URLs writes a few lines of log, not one line
 *   with the whole URL per request (before: about 18 MB of log for this flood);
 * - requests for pages that do not exist count against the limit like any other;
 * - a script that uses up its limit does not lock the operator's browser out (all local
 *   clients share 127.0.0.1; they are told apart by what they say they are).
 * Each check uses its own agent, so one check's requests do not use up another's limit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AgentProcess } from '../../support/agent-process.ts';
import { spawnWebAgent } from '../../support/web-agent.ts';

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36';

async function withAgent(run: (agent: AgentProcess, base: string) => Promise<void>): Promise<void> {
  const web = await spawnWebAgent({
    readyPattern: /WEB UI: listening/,
    extra: () => ({ configVisualisation: { enable: true } }),
  });
  try {
    await run(web.agent, web.base);
  } finally {
    await web.remove();
  }
}

const get = async (url: string, userAgent = 'butler-sos-test-script') => {
  const res = await fetch(url, { headers: { 'user-agent': userAgent } });
  await res.arrayBuffer();
  return res.status;
};

/** `count` GETs, `parallel` at a time; the status codes counted. */
async function flood(
  url: (i: number) => string,
  count: number,
  parallel = 10,
): Promise<Record<number, number>> {
  const codes: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const code = await get(url(next++));
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }),
  );
  return codes;
}

describe('refused requests', { concurrency: true, timeout: 120_000 }, () => {
  test('a flood of refused 15 KB URLs costs a few log lines, not the URLs', () =>
    withAgent(async (agent, base) => {
      const before = Buffer.byteLength(agent.output());
      const long = 'a'.repeat(15_000);
      const codes = await flood((i) => `${base}/delivery?pad=${long}&n=${i}`, 1500);
      await new Promise((r) => setTimeout(r, 500));
      const logged = Buffer.byteLength(agent.output()) - before;
      console.log(`1500 requests (${JSON.stringify(codes)}): ${logged} bytes of log`);
      // 300 a minute, refilled continuously: a few more pass while the flood runs.
      assert.ok((codes[429] ?? 0) >= 1100, JSON.stringify(codes));
      assert.ok(logged < 20_000, `${logged} bytes logged`);
      assert.doesNotMatch(agent.output(), /a{300}/, 'no line holds a whole long URL');
    }));

  test('requests for pages that do not exist count against the rate limit', () =>
    withAgent(async (_agent, base) => {
      const codes = await flood((i) => `${base}/no-such-page-${i}`, 400);
      assert.ok((codes[429] ?? 0) >= 50, JSON.stringify(codes));
      assert.equal((codes[404] ?? 0) + (codes[429] ?? 0), 400, JSON.stringify(codes));
    }));

  test('a script that uses up its limit does not lock out the browser on the same machine', () =>
    withAgent(async (_agent, base) => {
      const codes = await flood(() => `${base}/health`, 400);
      assert.ok((codes[429] ?? 0) >= 50, JSON.stringify(codes));
      // The bucket refills at 5 requests a second: a burst right after is still mostly refused.
      const burst = await Promise.all(Array.from({ length: 20 }, () => get(`${base}/health`)));
      const refused = burst.filter((code) => code === 429).length;
      assert.ok(refused >= 15, `the script is still refused: ${refused} of 20`);
      assert.equal(await get(`${base}/delivery`, BROWSER), 200);
    }));
});
