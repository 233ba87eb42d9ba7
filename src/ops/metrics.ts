// The operator's metrics (API.md §6), one prom-client Registry per server (never the global one:
// tests run several servers in one process): request durations by route and status, jobs by
// status (read from the store at scrape time, so every replica reports the cluster's counts),
// viewers serving and loaded, points held, storage requests and bytes, reconcile passes, and
// Node's own (event-loop lag, heap, GC) from collectDefaultMetrics. A scrape whose store query fails
// reports the store as down (vizjobs_store_up 0) instead of failing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { StorageMeter } from '../storage/metered.js';
import type { RuntimeGauges } from '../runtime/runtime.js';
import type { JobStore } from '../store/store.js';
import { statusName } from '../domain/status.js';

export interface MetricSources {
  store: JobStore;
  runtime: { gauges?(): RuntimeGauges };
  reconciler: { passes: { ok: number; failed: number } };
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly storageRequests: Counter<'op' | 'outcome'>;
  private readonly storageBytes: Counter;
  /** Counts storage requests and bytes; give it to the viewer's storage (createViewer). */
  readonly storageMeter: StorageMeter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.httpDuration = new Histogram({
      name: 'vizjobs_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status, and how long they took',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.storageRequests = new Counter({
      name: 'vizjobs_storage_requests_total',
      help: 'Requests to object storage (list, probe, stat, read, open) by outcome',
      labelNames: ['op', 'outcome'],
      registers,
    });
    this.storageBytes = new Counter({ name: 'vizjobs_storage_read_bytes_total', help: 'Bytes of event files read from object storage', registers });
    this.storageMeter = {
      request: (op, ok) => this.storageRequests.inc({ op, outcome: ok ? 'ok' : 'error' }),
      bytes: (n) => this.storageBytes.inc(n),
    };
    const self = this;
    new Gauge({
      name: 'vizjobs_jobs',
      help: 'Jobs by status, cluster-wide (from the shared store)',
      labelNames: ['status', 'status_name'],
      registers,
      async collect() {
        const store = self.sources?.store;
        this.reset();
        if (!store) return;
        try {
          for (const [status, n] of await store.statusCounts()) this.set({ status: String(status), status_name: statusName(status) }, n);
          self.storeUp = 1;
        } catch {
          self.storeUp = 0;
        }
      },
    });
    new Gauge({
      name: 'vizjobs_store_up',
      help: '1 when the last scrape could read the metadata store, else 0',
      registers,
      collect() {
        this.set(self.storeUp);
      },
    });
    const runtimeGauge = (name: string, help: string, pick: (g: RuntimeGauges) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const g = self.sources?.runtime.gauges?.();
          this.set(g ? pick(g) : 0);
        },
      });
    };
    runtimeGauge('vizjobs_viewers_serving', 'Jobs whose viewer serves in this replica', (g) => g.serving);
    runtimeGauge('vizjobs_viewers_loaded', 'Jobs whose data is loaded in this replica', (g) => g.loaded);
    runtimeGauge('vizjobs_points_held', 'Samples (points) held in memory across loaded jobs', (g) => g.samples);
    runtimeGauge('vizjobs_series_memory_bytes', 'Estimated memory of the loaded series, bytes', (g) => g.memoryBytes);
    runtimeGauge('vizjobs_viewer_memory_budget_bytes', 'What loaded jobs may hold together (VIZJOBS_VIEWER_MEMORY_MB), bytes; 0: unlimited', (g) => g.memoryBudgetBytes ?? 0);
    for (const [name, help, pick] of [
      ['vizjobs_viewer_memory_refusals_total', 'Reads refused by the memory budget: a load stopped (a limit problem in its job), or a reload of such a job that read nothing', (g: RuntimeGauges) => g.memoryRefusals ?? 0],
      ['vizjobs_viewer_memory_evictions_total', "Jobs' loaded data dropped to make room in the memory budget", (g: RuntimeGauges) => g.memoryEvictions ?? 0],
    ] as const) {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const g = self.sources?.runtime.gauges?.();
          this.reset();
          this.inc(g ? pick(g) : 0);
        },
      });
    }
    new Counter({
      name: 'vizjobs_reconcile_passes_total',
      help: 'Reconcile passes of this replica by outcome (failed: the store did not answer, or a step threw)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const p = self.sources?.reconciler.passes;
        this.reset();
        if (!p) return;
        this.inc({ outcome: 'ok' }, p.ok);
        this.inc({ outcome: 'failed' }, p.failed);
      },
    });
  }

  private storeUp = 1;

  /** The parts read at scrape time (set once the server is built). */
  bind(sources: MetricSources): void {
    this.sources = sources;
  }

  /** Times every request under its route pattern (never its URL: ids would explode the label set). */
  install(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }

  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
