// Serves the real browser player (@xiboplayer/pwa) with its proxy (@xiboplayer/proxy) on a
// free port of localhost, configured for one CMS: reads {cmsUrl, cmsKey, hardwareKey,
// displayName, dataDir} as JSON on stdin, prints {"port": N} once listening, and stops when
// its stdin closes (so it never outlives the test that started it).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startServer } from '@xiboplayer/proxy';

const here = dirname(fileURLToPath(import.meta.url));

async function main() {
  let input = '';
  let ended = false;
  let stop = () => { ended = true; };
  process.stdin.setEncoding('utf8');
  process.stdin.on('end', () => stop());
  const firstLine = await new Promise((resolve) => {
    process.stdin.on('data', (chunk) => {
      input += chunk;
      if (input.includes('\n')) resolve(input.split('\n')[0]);
    });
  });
  const { cmsUrl, cmsKey, hardwareKey, displayName, dataDir } = JSON.parse(firstLine);
  const { server } = await startServer({
    port: 0,
    pwaPath: join(here, 'node_modules', '@xiboplayer', 'pwa', 'dist'),
    dataDir,
    pwaConfig: { cmsUrl, cmsKey, hardwareKey, displayName, transport: 'xmds' },
  });
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  stop = () => { server.close(); process.exit(0); };
  if (ended) stop();
}

main().catch((error) => { console.error(error); process.exit(1); });
