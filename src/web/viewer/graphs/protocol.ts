// The messages between the Graphs tab and its worker (layout.worker.ts).
import type { LayoutResult } from './layout.js';
import type { GraphSummary, ItemDetails } from './model.js';

export type WorkerRequest =
  | { type: 'load'; id: number; text: string }
  | { type: 'layout'; id: number; expanded: number[] }
  | { type: 'details'; id: number; item: number };

export type WorkerAnswer =
  | { type: 'model'; id: number; summary: GraphSummary; ms: number }
  | { type: 'layout'; id: number; result: LayoutResult; ms: number }
  | { type: 'details'; id: number; details: ItemDetails | undefined }
  | { type: 'error'; id: number; message: string };
