// Decoder of the hparams plugin's HParamsPluginData (tensorboard/plugins/hparams/plugin_data.proto
// and api.proto), written from the field numbers: version=1; oneof experiment=2,
// session_start_info=3, session_end_info=4. google.protobuf.Value: null=1, number=2, string=3,
// bool=4, struct=5, list=6.
import type { HparamInfo, HparamValue, HparamsExperiment, MetricInfo, RunHparams } from './model.js';
import { lengthDelimited, pos, readDouble, skipField, utf8, varint } from './proto.js';

type FieldFn = (field: number, wt: number, p: number, end: number) => number | undefined;

/** Walks buf[s, e); `fn` returns the next position when it consumed the field, else undefined. */
function walk(buf: Buffer, s: number, e: number, fn: FieldFn): void {
  let p = s;
  while (p < e) {
    const key = varint(buf, p, e);
    p = pos;
    const next = fn(key >>> 3, key & 7, p, e);
    p = next ?? skipField(buf, p, e, key & 7);
  }
}

function str(buf: Buffer, p: number, e: number): [string, number] {
  const end = lengthDelimited(buf, p, e);
  return [utf8(buf, pos, end), end];
}

function protoValue(buf: Buffer, s: number, e: number): HparamValue {
  let v: HparamValue = null;
  walk(buf, s, e, (f, wt, p, end) => {
    if (f === 2 && wt === 1) {
      v = readDouble(buf, p, end);
      return p + 8;
    }
    if (f === 3 && wt === 2) {
      const [x, n] = str(buf, p, end);
      v = x;
      return n;
    }
    if (f === 4 && wt === 0) {
      v = varint(buf, p, end) !== 0;
      return pos;
    }
    return undefined;
  });
  return v;
}

function listValue(buf: Buffer, s: number, e: number): HparamValue[] {
  const out: HparamValue[] = [];
  walk(buf, s, e, (f, wt, p, end) => {
    if (f === 1 && wt === 2) {
      const n = lengthDelimited(buf, p, end);
      out.push(protoValue(buf, pos, n));
      return n;
    }
    return undefined;
  });
  return out;
}

function hparamInfo(buf: Buffer, s: number, e: number): HparamInfo {
  const info: HparamInfo = { name: '', displayName: '', description: '', type: 0 };
  walk(buf, s, e, (f, wt, p, end) => {
    if (wt === 2 && (f === 1 || f === 2 || f === 3)) {
      const [x, n] = str(buf, p, end);
      if (f === 1) info.name = x;
      else if (f === 2) info.displayName = x;
      else info.description = x;
      return n;
    }
    if (f === 4 && wt === 0) {
      info.type = varint(buf, p, end);
      return pos;
    }
    if (f === 5 && wt === 2) {
      const n = lengthDelimited(buf, p, end);
      info.domainDiscrete = listValue(buf, pos, n);
      return n;
    }
    if (f === 6 && wt === 2) {
      const n = lengthDelimited(buf, p, end);
      const iv = { minValue: 0, maxValue: 0 };
      walk(buf, pos, n, (g, w, q, qe) => {
        if (w !== 1 || (g !== 1 && g !== 2)) return undefined;
        if (g === 1) iv.minValue = readDouble(buf, q, qe);
        else iv.maxValue = readDouble(buf, q, qe);
        return q + 8;
      });
      info.domainInterval = iv;
      return n;
    }
    return undefined;
  });
  return info;
}

function metricInfo(buf: Buffer, s: number, e: number): MetricInfo {
  const m: MetricInfo = { group: '', tag: '', displayName: '', description: '', datasetType: 0 };
  walk(buf, s, e, (f, wt, p, end) => {
    if (f === 1 && wt === 2) {
      const n = lengthDelimited(buf, p, end);
      walk(buf, pos, n, (g, w, q, qe) => {
        if (w !== 2 || (g !== 1 && g !== 2)) return undefined;
        const [x, k] = str(buf, q, qe);
        if (g === 1) m.group = x;
        else m.tag = x;
        return k;
      });
      return n;
    }
    if ((f === 3 || f === 4) && wt === 2) {
      const [x, n] = str(buf, p, end);
      if (f === 3) m.displayName = x;
      else m.description = x;
      return n;
    }
    if (f === 5 && wt === 0) {
      m.datasetType = varint(buf, p, end);
      return pos;
    }
    return undefined;
  });
  return m;
}

function experiment(buf: Buffer, s: number, e: number): HparamsExperiment {
  const x: HparamsExperiment = { name: '', description: '', user: '', timeCreatedSecs: 0, hparamInfos: [], metricInfos: [] };
  walk(buf, s, e, (f, wt, p, end) => {
    if (wt === 2 && (f === 6 || f === 1 || f === 2)) {
      const [v, n] = str(buf, p, end);
      if (f === 6) x.name = v;
      else if (f === 1) x.description = v;
      else x.user = v;
      return n;
    }
    if (f === 3 && wt === 1) {
      x.timeCreatedSecs = readDouble(buf, p, end);
      return p + 8;
    }
    if ((f === 4 || f === 5) && wt === 2) {
      const n = lengthDelimited(buf, p, end);
      if (f === 4) x.hparamInfos.push(hparamInfo(buf, pos, n));
      else x.metricInfos.push(metricInfo(buf, pos, n));
      return n;
    }
    return undefined;
  });
  return x;
}

/** Merges the HParamsPluginData at buf[s, e) into `into`. Throws ProtoError when malformed. */
export function decodeHparamsPluginData(buf: Buffer, s: number, e: number, into: RunHparams): void {
  walk(buf, s, e, (f, wt, p, end) => {
    if (wt !== 2 || f < 2 || f > 4) return undefined;
    const n = lengthDelimited(buf, p, end);
    const start = pos;
    if (f === 2) into.experiment = experiment(buf, start, n);
    else if (f === 3) {
      const info = { hparams: {} as Record<string, HparamValue>, modelUri: '', monitorUrl: '', groupName: '', startTimeSecs: 0 };
      walk(buf, start, n, (g, w, q, qe) => {
        if (g === 1 && w === 2) {
          const me = lengthDelimited(buf, q, qe);
          let k = '';
          let v: HparamValue = null;
          walk(buf, pos, me, (h, hw, r, re) => {
            if (h === 1 && hw === 2) {
              const [x, m] = str(buf, r, re);
              k = x;
              return m;
            }
            if (h === 2 && hw === 2) {
              const m = lengthDelimited(buf, r, re);
              v = protoValue(buf, pos, m);
              return m;
            }
            return undefined;
          });
          info.hparams[k] = v;
          return me;
        }
        if (w === 2 && g >= 2 && g <= 4) {
          const [x, m] = str(buf, q, qe);
          if (g === 2) info.modelUri = x;
          else if (g === 3) info.monitorUrl = x;
          else info.groupName = x;
          return m;
        }
        if (g === 5 && w === 1) {
          info.startTimeSecs = readDouble(buf, q, qe);
          return q + 8;
        }
        return undefined;
      });
      into.sessionStart = info;
    } else {
      const info = { status: 0, endTimeSecs: 0 };
      walk(buf, start, n, (g, w, q, qe) => {
        if (g === 1 && w === 0) {
          info.status = varint(buf, q, qe);
          return pos;
        }
        if (g === 2 && w === 1) {
          info.endTimeSecs = readDouble(buf, q, qe);
          return q + 8;
        }
        return undefined;
      });
      into.sessionEnd = info;
    }
    return n;
  });
}
