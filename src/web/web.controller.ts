import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/load-config';
import { ApiError } from '../http/api-error';

/** Where scripts/build-web.sh writes the pages; TANDEM_WEB_DIR overrides it (packaging, tests). */
export const WEB_DIR = resolve(process.env.TANDEM_WEB_DIR ?? resolve(PROJECT_ROOT, 'dist', 'public'));

/** Asset names are flat, content-hashed file names: no directories, no dot files. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/**
 * The HTML pages load only their own assets and talk only to this node; they are never framed.
 * `ws:`/`wss:` are needed because `'self'` does not cover WebSocket schemes in every browser.
 */
const PAGE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:",
  "connect-src 'self' ws: wss:", "media-src 'self' blob:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
].join('; ');

/**
 * Serves the web pages on the node's one port: the cockpit at `/`, the customer panel at `/customer`,
 * the admin console at `/admin`, the external representative's page at `/join`, the click-to-chat page at `/chat`,
 * and their content-hashed assets under `/assets/` (cached for a year, immutable). Only files the build
 * wrote are served: there is no directory listing and nothing outside `dist/public/assets` is reachable.
 */
@Controller()
export class WebController {
  @Get()
  cockpit(@Res() res: Response): void {
    this.page(res, 'index.html');
  }

  @Get('customer')
  customer(@Res() res: Response): void {
    this.page(res, 'customer.html');
  }

  @Get('admin')
  admin(@Res() res: Response): void {
    this.page(res, 'admin.html');
  }

  /** The click-to-chat page a support organisation publishes (`/chat?queue=TEAM`): no token, the customer starts a chat-only session. */
  @Get('chat')
  chat(@Res() res: Response): void {
    this.page(res, 'chat.html');
  }

  /** The page behind external invitation links (`/join#access_token=…`; the token stays in the fragment). */
  @Get('join')
  join(@Res() res: Response): void {
    this.page(res, 'join.html');
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    if (!ASSET_NAME.test(name) || name.includes('..')) throw new ApiError(404, 'NOT_FOUND', 'no such asset');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(name, { root: resolve(WEB_DIR, 'assets'), dotfiles: 'deny', maxAge: 365 * 24 * 3600 * 1000, immutable: true, index: false }, (err?: Error) => {
      if (err && !res.headersSent) res.status(404).json({ code: 'NOT_FOUND', message: 'no such asset' });
    });
  }

  private page(res: Response, file: string): void {
    const path = resolve(WEB_DIR, file);
    if (!existsSync(path)) throw new ApiError(503, 'WEB_NOT_BUILT', 'the web pages are not built: run `npm run setup` (scripts/build-web.sh)');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.sendFile(path, { dotfiles: 'deny' }, (err?: Error) => {
      if (err && !res.headersSent) res.status(404).json({ code: 'NOT_FOUND', message: 'no such page' });
    });
  }
}
