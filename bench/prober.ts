// Project B's prober, shared by bench/isolation.ts and bench/sweep.ts: a worker thread with its own
// event loop sends GET `url` every 20 ms on a schedule (open loop: a stalled server shows as the
// latency of every request that waited, not of one) until stopped; stop() answers every latency
// measured since start (sorted) and the count of failed or non-200 answers.
import { Worker } from 'node:worker_threads';

const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let lat = [], errors = 0, timer;
function one() {
  const t0 = performance.now();
  const req = http.get(workerData.url, { agent, headers: { 'X-Auth-Token': workerData.token } }, (res) => {
    res.resume();
    res.on('end', () => { if (res.statusCode !== 200) errors++; lat.push(performance.now() - t0); });
  });
  req.on('error', () => { errors++; lat.push(performance.now() - t0); });
  req.setTimeout(30000, () => req.destroy());
}
parentPort.on('message', (m) => {
  if (m === 'start') { lat = []; errors = 0; timer = setInterval(one, 20); }
  else if (m === 'stop') { clearInterval(timer); setTimeout(() => parentPort.postMessage({ lat, errors }), 300); }
});
`;

export interface Probe {
  /** Latencies in ms, ascending. */
  lat: number[];
  errors: number;
}

export interface Prober {
  /** Stops probing, waits for the requests in flight (300 ms) and ends the thread. */
  stop(): Promise<Probe>;
}

/** Starts probing `url` with `token` at once. */
export function startProber(url: string, token: string): Prober {
  const worker = new Worker(PROBER, { eval: true, workerData: { url, token } });
  worker.postMessage('start');
  return {
    async stop() {
      const probe = await new Promise<Probe>((res) => {
        worker.once('message', (m: Probe) => res(m));
        worker.postMessage('stop');
      });
      await worker.terminate();
      return { lat: probe.lat.sort((a, b) => a - b), errors: probe.errors };
    },
  };
}

export function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}
