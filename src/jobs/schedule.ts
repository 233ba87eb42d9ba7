// The create body's `schedule`: an object or an array holding one (the published example sends
// an array), `timeUnit` accepted as an alias of `time_unit`. Validated by hand because a
// union of shapes gives clients unreadable schema errors; the rule is stated in the message.
import { ApiError, badParameter } from '../api/errors.js';

const RULE = 'must be {type: "stop", time_unit: "HOURS", duration: 0..24} or an array holding one such object';
const HOUR_MS = 3_600_000;

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
