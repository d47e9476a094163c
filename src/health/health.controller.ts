import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { NodeInfo } from '../node/node-info';
import { READINESS_CHECKS, type ReadinessCheck } from '../node/readiness';

/** Liveness and readiness for load balancers and orchestrators. */
@Controller()
export class HealthController {
  constructor(
    private readonly info: NodeInfo,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok'; node: string; version: string; uptimeSeconds: number } {
    return { status: 'ok', node: this.info.id, version: this.info.version, uptimeSeconds: this.info.uptimeSeconds() };
  }

  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          return { name: c.name, ...(await withTimeout(c.check(), 2000)) };
        } catch (err) {
          return { name: c.name, ok: false, detail: (err as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', node: this.info.id, checks: results });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
