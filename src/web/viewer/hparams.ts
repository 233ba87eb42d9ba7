// The HParams tab: one row per session group with its hyperparameters and metric values, asked
// of TensorBoard's hparams API in its proto3-JSON form. Click a column head to sort.
import { h, clear } from '../lib/dom.js';
import { formatValue } from '../lib/format.js';
import { tbNumber } from '../lib/tb-values.js';
import type { DataClient } from './data.js';
import type { Tab } from './tab.js';

interface MetricName { group?: string; tag?: string }
interface Experiment {
  hparamInfos?: Array<{ name: string; displayName?: string }>;
  metricInfos?: Array<{ name: MetricName; displayName?: string }>;
}
interface SessionGroup {
  name: string;
  hparams?: Record<string, unknown>;
  metricValues?: Array<{ name: MetricName; value?: unknown }>;
}

const metricKey = (m: MetricName): string => (m.group ? `${m.group}/${m.tag ?? ''}` : m.tag ?? '');

export class HParamsTab implements Tab {
  readonly el = h('div', { class: 'tab-body', id: 'hparams' });
  private experiment: Experiment = {};
  private groups: SessionGroup[] = [];
  private sortCol = 0;
  private sortDesc = false;

  constructor(private readonly data: DataClient) {}

  count(): number {
    return this.groups.length;
  }

  async refresh(): Promise<void> {
    this.experiment = await this.data.postJson<Experiment>('plugin/hparams/experiment', { experimentName: '' });
    const colParams = [
      ...(this.experiment.hparamInfos ?? []).map((p) => ({ hparam: p.name, includeInResult: true })),
      ...(this.experiment.metricInfos ?? []).map((m) => ({ metric: m.name, includeInResult: true })),
    ];
    const res = await this.data.postJson<{ sessionGroups?: SessionGroup[] }>('plugin/hparams/session_groups', {
      experimentName: '',
      allowedStatuses: ['STATUS_UNKNOWN', 'STATUS_SUCCESS', 'STATUS_FAILURE', 'STATUS_RUNNING'],
      colParams,
      startIndex: 0,
      sliceSize: 10000,
    });
    this.groups = res.sessionGroups ?? [];
    this.redraw();
  }

  redraw(): void {
    clear(this.el);
    const hp = (this.experiment.hparamInfos ?? []).map((p) => p.name);
    const metrics = (this.experiment.metricInfos ?? []).map((m) => m.name);
    if (this.groups.length === 0) {
      this.el.append(h('div', { class: 'empty' }, 'No hyperparameters in these logs.'));
      return;
    }
    const cells = (g: SessionGroup): Array<string | number> => [
      g.name,
      ...hp.map((k) => { const v = g.hparams?.[k]; return typeof v === 'number' ? v : v === undefined ? '' : String(v); }),
      ...metrics.map((m) => { const mv = g.metricValues?.find((x) => metricKey(x.name) === metricKey(m)); return mv ? tbNumber(mv.value) : ''; }),
    ];
    const rows = this.groups.map(cells);
    rows.sort((a, b) => {
      const x = a[this.sortCol];
      const y = b[this.sortCol];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return this.sortDesc ? -c : c;
    });
    const heads = ['Session', ...hp, ...metrics.map(metricKey)];
    const thead = h('tr', {}, ...heads.map((label, i) => {
      const th = h('th', { class: i > hp.length ? 'metric' : '' }, label, this.sortCol === i ? (this.sortDesc ? ' ▼' : ' ▲') : '');
      th.addEventListener('click', () => {
        if (this.sortCol === i) this.sortDesc = !this.sortDesc;
        else { this.sortCol = i; this.sortDesc = false; }
        this.redraw();
      });
      return th;
    }));
    const body = rows.map((r) => h('tr', {}, ...r.map((v, i) => h('td', { class: i === 0 ? 'mono' : typeof v === 'number' ? 'num' : '' }, typeof v === 'number' ? formatValue(v) : v))));
    this.el.append(h('div', { class: 'card' }, h('table', { class: 'data-table hparams-table' }, h('thead', {}, thead), h('tbody', {}, ...body))));
  }
}
