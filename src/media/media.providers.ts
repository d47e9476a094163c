import type { Provider } from '@nestjs/common';
import { MediaCluster } from './media-cluster';
import { MediaMonitorsHandler } from './media-monitors.handler';
import { MediaRefreshHandler } from './media-refresh.handler';
import { MediaStatsHandler } from './media-stats.handler';
import { MediaRelay } from './relay';
import { ScreenAudience } from './screen-audience';

/** The media layer: the tile relay, the audience cache it reads, its transport to other nodes, viewers' refresh requests and monitor choice, and agents' capture reports. Spread into AppModule's providers. */
export function mediaProviders(): Provider[] {
  return [ScreenAudience, MediaCluster, MediaRelay, MediaRefreshHandler, MediaMonitorsHandler, MediaStatsHandler];
}
