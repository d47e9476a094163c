import type { Provider, Type } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { AuditRecorder } from './audit-recorder';
import { Drain } from './drain';
import { Metrics, MetricsController } from './metrics';
import { Revocations } from './revocations';

/** The operator's side of a node: admin API, audit log, metrics, drain, token revocation. */
export const adminProviders: Provider[] = [AuditRecorder, Drain, Metrics, Revocations];
export const adminControllers: Type[] = [AdminController, MetricsController];
