/**
 * `/metrics`: the registry as a flat JSON object (Marathon's and Mesos's style); and
 * `/metrics/prometheus`: the same registry in Prometheus text format 0.0.4. Answered by every
 * daemon about itself (standbys do not forward them).
 */
import type { FastifyInstance, MetricsRegistry } from '@agora/runtime';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function registerMetrics(app: FastifyInstance, metrics: MetricsRegistry): void {
  app.get('/metrics', async (_req, reply) => reply.type('application/json').send(JSON.stringify(metrics.snapshot())));
  app.get('/metrics/prometheus', async (_req, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(metrics.prometheus()));
}
