// Drives @xiboplayer/xmds's own XmdsClient (the one the browser player uses) against a CMS:
// reads {cmsUrl, cmsKey, hardwareKey, steps: [{call, args}]} as JSON on stdin, runs the
// steps in order and prints [{ok, value} | {ok: false, error}] as JSON on stdout.
// `download` fetches every file RequiredFiles lists and checks its size and md5;
// `interruptSeconds` reads the schedule and asks the player's own interrupt scheduler
// (@xiboplayer/schedule) how many seconds an hour each interrupt layout must play.
import { createHash } from 'node:crypto';
import { DOMParser } from 'linkedom';
import { XmdsClient } from '@xiboplayer/xmds';

globalThis.DOMParser ??= DOMParser;
if (typeof globalThis.navigator === 'undefined') {
  globalThis.navigator = { platform: 'node', userAgent: `node ${process.version}` };
}

async function download(client) {
  const { files } = await client.requiredFiles();
  const checked = [];
  for (const file of files) {
    const response = await fetch(file.path);
    const bytes = Buffer.from(await response.arrayBuffer());
    checked.push({
      type: file.type, id: file.id, status: response.status, path: file.path,
      sizeMatches: bytes.length === file.size,
      md5Matches: createHash('md5').update(bytes).digest('hex') === file.md5,
      text: file.type === 'layout' ? bytes.toString('utf8') : null,
    });
  }
  return checked;
}

async function interruptSeconds(client) {
  const { InterruptScheduler } = await import('@xiboplayer/schedule');
  const scheduler = new InterruptScheduler();
  const { layouts } = await client.schedule();
  return Object.fromEntries(layouts.filter((layout) => scheduler.isInterrupt(layout))
    .map((layout) => [layout.file, scheduler.getRequiredSeconds(layout)]));
}

const SPECIAL = { download, interruptSeconds };

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const { cmsUrl, cmsKey, hardwareKey, steps, clientCode } = JSON.parse(input);
  const client = new XmdsClient({
    cmsUrl, cmsKey, hardwareKey, displayName: 'Node XMDS client', clientCode,
    clientType: 'linux', retryOptions: { maxRetries: 0, baseDelayMs: 10 },
  });
  const results = [];
  for (const { call, args = [] } of steps) {
    try {
      const value = SPECIAL[call] ? await SPECIAL[call](client) : await client[call](...args);
      results.push({ ok: true, value });
    } catch (error) {
      results.push({ ok: false, error: String(error.message || error) });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => { console.error(error); process.exit(1); });
