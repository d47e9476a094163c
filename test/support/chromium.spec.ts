import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium';
import { startInProcessNode } from './node';
import { isAlive } from './processes';
import { waitFor } from './wait';

describe('test harness: headless Chromium', () => {
  it('opens a page served by a real node, takes a screenshot, and leaves no browser process', async () => {
    const node = await startInProcessNode();
    const b = await launchChromium();
    try {
      expect(b.pid).toBeGreaterThan(0);
      const page = await b.browser.newPage({ viewport: { width: 640, height: 360 } });
      await page.goto(`${node.url}/healthz`);
      expect(await page.textContent('body')).toContain('"status":"ok"');
      mkdirSync(join(__dirname, '..', 'artifacts'), { recursive: true });
      const png = await page.screenshot({ path: join(__dirname, '..', 'artifacts', 'harness-chromium.png') });
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await b.close();
      await node.stop();
    }
    await waitFor('chromium to exit', () => !isAlive(b.pid));
  });
});
