// Pages for the browser tests: content that only exists once the page's scripts have run.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { installedChromium } from '../../src/browser/chromium-path.js';
import { requireService } from '../helpers/services.js';

/** The browser rung's default: the headless shell where installed (as in CI), else the full browser. */
export const chromiumPath = installedChromium() ?? '/usr/bin/chromium';

/** The full browser, which the headless shell stands in for in most tests. */
export const fullChromiumPath = '/usr/bin/chromium';

/** Whether the browser tests run (skip without Chromium, fail with ARACHNE_REQUIRE_SERVICES=1). */
export const chromiumUp = () =>
  requireService(`Chromium at ${chromiumPath}`, () => access(chromiumPath, constants.X_OK));

/** A list the page builds from /quotes.json: empty in the HTML the server sends. */
export const renderedList = `<!doctype html><html><body><ul id="quotes"></ul>
<script>
fetch('/quotes.json').then((r) => r.json()).then((quotes) => {
  for (const q of quotes) {
    const li = document.createElement('li');
    li.className = 'quote';
    li.textContent = q;
    document.getElementById('quotes').append(li);
  }
  document.body.dataset.ready = 'yes';
});
</script></body></html>`;

export const quotesJson = JSON.stringify(['one', 'two', 'three']);
