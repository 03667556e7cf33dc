// Browser tests: the compiled tests in dist/test/browser run in Debian's Chromium (through Playwright) against
// a REAL Nasc server started here, on another origin than the test pages. Build first: `npm run build`.
import { createServer } from 'node:net';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { startBrowserTestServer } from './dist/test/browser-support/server-app.js';

/** A free TCP port on 127.0.0.1, picked now so the Nasc server can allow the test pages' origin. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const hostname = '127.0.0.1';
const port = Number(process.env.WTR_PORT) || (await freePort());
const pageOrigin = `http://${hostname}:${port}`;
const nascServer = await startBrowserTestServer({ allowedOrigins: [pageOrigin] });

export default {
  rootDir: '.',
  files: 'dist/test/browser/**/*.test.js',
  nodeResolve: true,
  hostname,
  port,
  // Two noisy cores. Streams are dropped per client id, so files running side by side do not disturb each
  // other.
  concurrency: 2,
  concurrentBrowsers: 1,
  browserStartTimeout: 120_000,
  testsStartTimeout: 120_000,
  testsFinishTimeout: 300_000,
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      },
    }),
  ],
  // Lit's one-line dev-mode notice on every page is noise; Nasc's own warnings stay visible.
  filterBrowserLogs: ({ args }) => !(typeof args[0] === 'string' && args[0].startsWith('Lit is in dev mode')),
  testFramework: { config: { timeout: 30_000 } },
  testRunnerHtml: (testFramework) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <script>window.NASC_TEST_BASE = ${JSON.stringify(nascServer.base)};</script>
  </head>
  <body>
    <script type="module" src="${testFramework}"></script>
  </body>
</html>`,
  plugins: [
    {
      name: 'nasc-test-server',
      async serverStop() {
        await nascServer.close();
      },
    },
  ],
};
