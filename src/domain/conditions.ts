// Conditions a job carries, the way a Kubernetes controller records them on an object: the
// reconciler's latest observation per type, each with why (reason, a CamelCase word), what
// (message, for people) and since when its status last flipped. Bounded so a job row stays small
// whatever failed: a fixed set of types, at most one entry each, messages capped at
// MAX_CONDITION_MESSAGE characters. Pure functions only: the store keeps them as JSON and the
// reconciler decides when they change.

/**
 * StorageReachable: the last viewer start found the job's train_url answering (True) or not (False:
 * unreachable, retried with backoff). Serving: a viewer start succeeded (True) or failed (False).
 */
export const CONDITION_TYPES = ['StorageReachable', 'Serving'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface JobCondition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** Epoch ms of the last change of `status` (not of reason or message). */
  lastTransitionTime: number;
}

export const MAX_CONDITION_MESSAGE = 512;
const MAX_REASON = 64;

const cap = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * `current` with `next` recorded (same type replaced, order by CONDITION_TYPES). Keeps the old
 * lastTransitionTime when the status did not change, like Kubernetes' SetStatusCondition.
 */
export function setCondition(current: readonly JobCondition[], next: Omit<JobCondition, 'lastTransitionTime'>, now: number): JobCondition[] {
  const old = current.find((c) => c.type === next.type);
  const entry: JobCondition = {
    type: next.type,
    status: next.status,
    reason: cap(next.reason, MAX_REASON),
    message: cap(next.message, MAX_CONDITION_MESSAGE),
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : now,
  };
  const others = current.filter((c) => c.type !== next.type);
  return [...others, entry].sort((a, b) => CONDITION_TYPES.indexOf(a.type) - CONDITION_TYPES.indexOf(b.type));
}

/** Whether two lists say the same (the reconciler writes only changes). */
export function sameConditions(a: readonly JobCondition[], b: readonly JobCondition[]): boolean {
  return a.length === b.length && a.every((c, i) => {
    const d = b[i];
    return c.type === d.type && c.status === d.status && c.reason === d.reason && c.message === d.message && c.lastTransitionTime === d.lastTransitionTime;
  });
}

const isType = (t: unknown): t is ConditionType => typeof t === 'string' && (CONDITION_TYPES as readonly string[]).includes(t);
const isStatus = (s: unknown): s is ConditionStatus => s === 'True' || s === 'False' || s === 'Unknown';

/**
 * Stored JSON → conditions, keeping only well-formed entries of known types (a row written by a
 * newer version, or hand-edited, never breaks a read). Null or garbage: none.
 */
export function parseConditions(json: string | null): JobCondition[] {
  if (json === null || json === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: JobCondition[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const o = item as Record<string, unknown>;
    if (!isType(o.type) || !isStatus(o.status) || out.some((c) => c.type === o.type)) continue;
    out.push({
      type: o.type,
      status: o.status,
      reason: typeof o.reason === 'string' ? cap(o.reason, MAX_REASON) : '',
      message: typeof o.message === 'string' ? cap(o.message, MAX_CONDITION_MESSAGE) : '',
      lastTransitionTime: typeof o.lastTransitionTime === 'number' && Number.isFinite(o.lastTransitionTime) ? o.lastTransitionTime : 0,
    });
  }
  return out;
}
