// The one Prometheus endpoint of a worker pod (GET /metrics): the project's prom-client registry
// followed by the Temporal runtime's own exposition, scraped from its exporter on a loopback port
// that is never exposed outside the process's network namespace.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { send } from './http-listen.js';

export interface MetricsSources {
  registry: Registry;
  /** http://127.0.0.1:PORT/metrics of the Temporal runtime's Prometheus exporter, or null when off. */
  runtimeMetricsUrl: string | null;
}

const RUNTIME_SCRAPE_TIMEOUT_MS = 3_000;

async function runtimeExposition(url: string | null): Promise<string> {
  if (url === null) return '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(RUNTIME_SCRAPE_TIMEOUT_MS) });
    if (!res.ok) return `# temporal runtime metrics unavailable: HTTP ${res.status}\n`;
    return await res.text();
  } catch (err) {
    return `# temporal runtime metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
  }
}

/** Both expositions as one text body; each keeps its own HELP/TYPE lines (their names never overlap). */
export async function combinedMetrics(sources: MetricsSources): Promise<string> {
  const [own, runtime] = await Promise.all([sources.registry.metrics(), runtimeExposition(sources.runtimeMetricsUrl)]);
  return `${own.endsWith('\n') ? own : `${own}\n`}${runtime}`;
}

export function createMetricsServer(sources: MetricsSources): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') return send(res, 404, 'see /metrics\n', 'text/plain');
    combinedMetrics(sources)
      .then((body) => send(res, 200, body, sources.registry.contentType))
      .catch((err: unknown) => send(res, 500, `${String(err)}\n`, 'text/plain'));
  });
}
