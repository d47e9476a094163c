import { launchChromium } from './chromium';
import { startChildNode } from './node';
import { isAlive } from './processes';
import { redisCommand, startRedis } from './redis';
import { startSentinelGroup } from './sentinel';
import { startSmtpSink } from './smtp-sink';
import { waitFor } from './wait';
import { startXvfb } from './xvfb';

describe('test harness: real processes leave nothing behind', () => {
  it('starts redis-server, a Sentinel group, Xvfb, Chromium, an SMTP sink and a child node on free ports and stops them all by PID', async () => {
    const redis = await startRedis();
    const xvfb = await startXvfb();
    const browser = await launchChromium();
    const smtp = await startSmtpSink();
    const node = await startChildNode();
    const sentinel = await startSentinelGroup();
    const pids = [redis.process.pid, xvfb.process.pid, browser.pid, node.process.pid, ...sentinel.pids()];
    try {
      expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
      expect(await sentinel.masterPort()).toBe(sentinel.primary.port);
      await xvfb.x('xsetroot', ['-solid', '#204080']);
      expect(await xvfb.x('xdpyinfo', [])).toMatch(/dimensions:\s+1280x720 pixels/);
      expect(await xvfb.x('xdotool', ['getmouselocation'])).toMatch(/x:\d+ y:\d+ screen:0/);
      expect((await fetch(`${node.url}/healthz`)).ok).toBe(true);
      expect(pids.every(isAlive)).toBe(true);
    } finally {
      await Promise.all([redis.stop(), xvfb.stop(), browser.close(), smtp.stop(), node.stop(), sentinel.stop()]);
    }
    await waitFor('every harness process to exit', () => pids.every((p) => !isAlive(p)), 10000);
  }, 30000);
});
