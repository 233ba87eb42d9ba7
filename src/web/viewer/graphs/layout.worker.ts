// The Graphs tab's worker: parsing, grouping and layout of a graph run here, so a 10,000-node
// graph never holds the page's main thread. One graph at a time; each request carries an id and
// its answer the same id, so the page can drop answers it no longer wants.
import { GraphModel } from './model.js';
import type { WorkerRequest, WorkerAnswer } from './protocol.js';

let model: GraphModel | undefined;

const reply = (a: WorkerAnswer, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(a, transfer);

self.onmessage = (ev: MessageEvent<WorkerRequest>): void => {
  const r = ev.data;
  try {
    if (r.type === 'load') {
      const t0 = performance.now();
      model = new GraphModel(r.text);
      reply({ type: 'model', id: r.id, summary: model.summary, ms: performance.now() - t0 });
    } else if (r.type === 'layout') {
      if (!model) throw new Error('no graph loaded');
      const t0 = performance.now();
      const result = model.layout(r.expanded);
      reply({ type: 'layout', id: r.id, result, ms: performance.now() - t0 }, [result.x.buffer, result.y.buffer, result.w.buffer, result.h.buffer, result.points.buffer]);
    } else if (r.type === 'details') {
      reply({ type: 'details', id: r.id, details: model?.details(r.item) });
    }
  } catch (e) {
    reply({ type: 'error', id: r.id, message: e instanceof Error ? e.message : String(e) });
  }
};
