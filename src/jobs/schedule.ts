// The create body's `schedule`: an object or an array holding one (the published example sends
// an array), `timeUnit` accepted as an alias of `time_unit`. The route schema (api/schemas.ts)
// already refuses other keys and wrong types; this states the rules a schema cannot (one of
// time_unit/timeUnit) and turns the schedule into milliseconds. It refuses unknown keys too, so
// the stored schedule is bounded whoever calls it.
import { ApiError, badParameter } from '../api/errors.js';

const RULE = 'must be {type: "stop", time_unit: "HOURS", duration: 0..24} or an array holding one such object';
const HOUR_MS = 3_600_000;
const KEYS = new Set(['type', 'time_unit', 'timeUnit', 'duration']);

/** Auto-stop after this many ms (0 = never), or an ApiError naming the rule broken. */
export function parseSchedule(raw: unknown): number {
  let item: unknown = raw;
  if (Array.isArray(raw)) {
    if (raw.length !== 1) throw badParameter('schedule', RULE);
    item = raw[0];
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new ApiError('invalidArgument', `Invalid Argument. schedule ${RULE}`);
  }
  const o = item as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KEYS.has(k)) throw badParameter(`schedule.${k.slice(0, 64)}`, 'unknown field (schedule takes only type, time_unit or timeUnit, duration)');
  }
  const type = o.type;
  const unit = o.time_unit ?? o.timeUnit;
  const duration = o.duration;
  if (type !== undefined && typeof type !== 'string') throw new ApiError('invalidArgument', 'Invalid Argument. schedule.type must be string');
  if (type !== 'stop') throw badParameter('schedule.type', 'must be "stop"');
  if (typeof unit !== 'string' && unit !== undefined) throw new ApiError('invalidArgument', 'Invalid Argument. schedule.time_unit must be string');
  if (unit !== 'HOURS') throw badParameter('schedule.time_unit', 'must be "HOURS"');
  if (typeof duration !== 'number') {
    if (duration === undefined) throw badParameter('schedule.duration', 'is required (0..24)');
    throw new ApiError('invalidArgument', 'Invalid Argument. schedule.duration must be integer');
  }
  if (!Number.isInteger(duration) || duration < 0 || duration > 24) throw badParameter('schedule.duration', 'must be an integer in 0..24');
  return duration * HOUR_MS;
}
