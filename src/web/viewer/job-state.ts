// What the viewer page shows when its job cannot be shown: the job's state (data/job, or the data
// island the server put in a page served with 404/409), said plainly with a way back to the
// console. A page opened on a job that is not RUNNING is that state alone, and reloads itself into
// the viewer once the job runs; a viewer whose job stops while open keeps what it shows under an
// overlay and hands back to the page (`onRunning`) when the job runs again. Either way it asks
// again on a timer — every 2 s while the job is on its way, every 10 s once it has ended — and at
// once when the browser tab comes back into view. A job that does not exist is not asked about again.
import { clear, h } from '../lib/dom.js';
import { brand } from '../lib/ui.js';
import { appRoot } from '../lib/app-root.js';
import { statusTone } from '../lib/format.js';
import { themeSwitch } from '../lib/theme.js';
import { DataError, type DataClient } from './data.js';
import { JOB_PHASES, type JobPhase, type JobStateBody } from '../../domain/job-state.js';

/** The shape the server writes (domain/job-state.ts), as the page reads it. */
export type JobState = JobStateBody;
export type { JobPhase };

function asState(v: unknown): JobState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Partial<JobState>;
  return typeof o.job_id === 'string' && (JOB_PHASES as readonly string[]).includes(o.phase as string) ? (o as JobState) : undefined;
}

/** The state the server rendered into this page (served with 404 or 409), if any. */
export function initialJobState(doc: Document = document): JobState | undefined {
  const el = doc.getElementById('vizjobs-job-state');
  if (!el?.textContent) return undefined;
  try {
    return asState(JSON.parse(el.textContent));
  } catch {
    return undefined;
  }
}

export const FAST_MS = 2000;
export const SLOW_MS = 10_000;

export interface JobStateOptions {
  data: DataClient;
  app: HTMLElement;
  job: { projectId: string; jobId: string } | undefined;
  /** The job runs again while the viewer was open: reload the data (the overlay is gone). */
  onRunning: () => void;
  /** A failure that is not about the job's state (signed out, another project's token). */
  onFatal: (e: unknown) => void;
}

export class JobStateView {
  private mode: 'page' | 'overlay' | undefined;
  private timer: number | undefined;
  private last: JobState | undefined;
  private overlay: HTMLElement | undefined;
  private readonly box = h('div', { class: 'panel message-page state-page', id: 'message', role: 'alert', 'aria-live': 'polite' });

  constructor(private readonly o: JobStateOptions) {
    document.addEventListener('visibilitychange', () => {
      if (this.mode && document.visibilityState === 'visible') void this.check();
    });
  }

  /** Whether the page or the overlay is up. */
  get shown(): boolean {
    return this.mode !== undefined;
  }

  /**
   * `page`: the whole page is the job's state (nothing of the viewer was shown yet); `overlay`:
   * over the viewer's content, which stays. `known`: the state if already known (the data island).
   */
  show(mode: 'page' | 'overlay', known?: JobState): void {
    if (this.mode === 'page' && mode === 'overlay') mode = 'page';
    this.mode = mode;
    if (mode === 'page') {
      const console = this.o.job ? h('a', { href: appRoot(location.pathname), class: 'muted' }, 'Console') : '';
      this.o.app.replaceChildren(h('div', { class: 'topbar' }, brand(), h('div', { class: 'spacer' }), themeSwitch(), console), this.box);
    } else if (!this.overlay) {
      this.overlay = h('div', { class: 'state-overlay', id: 'job-state-overlay' }, this.box);
      this.o.app.append(this.overlay);
    }
    if (known) this.render(known);
    else this.renderChecking();
    void this.check(known);
  }

  private schedule(state: JobState): void {
    clearTimeout(this.timer);
    if (state.phase === 'unknown' && this.mode === 'page') return;
    const ms = state.phase === 'starting' || state.phase === 'stopping' ? FAST_MS : SLOW_MS;
    this.timer = window.setTimeout(() => void this.check(), ms);
  }

  private async check(known?: JobState): Promise<void> {
    let state = known;
    if (!state) {
      try {
        state = asState(await this.o.data.json<unknown>('job'));
        if (!state) throw new DataError('http', 200, 'unreadable job state');
      } catch (e) {
        if (e instanceof DataError && e.kind === 'not_found') {
          state = { job_id: this.o.job?.jobId ?? '', phase: 'unknown' };
        } else if (e instanceof DataError && (e.kind === 'unauthorized' || e.kind === 'forbidden')) {
          this.hide();
          this.o.onFatal(e);
          return;
        } else {
          // The server is unreachable or busy: ask again later, keep what is shown.
          this.timer = window.setTimeout(() => void this.check(), SLOW_MS);
          return;
        }
      }
    }
    if (!this.mode) return;
    if (state.phase === 'running') {
      if (this.mode === 'page') {
        location.reload();
        return;
      }
      this.hide();
      this.o.onRunning();
      return;
    }
    this.render(state);
    this.schedule(state);
  }

  private hide(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.mode = undefined;
    this.overlay?.remove();
    this.overlay = undefined;
  }

  private renderChecking(): void {
    clear(this.box);
    this.box.append(h('h1', {}, h('span', { class: 'spinner big-spinner' }), ' Checking the job…'));
  }

  private render(s: JobState): void {
    this.last = s;
    const name = s.job_name ? s.job_name : `Job ${s.job_id}`;
    const where = this.o.job ? `job ${s.job_id || this.o.job.jobId} · project ${this.o.job.projectId}` : '';
    const chip = s.status !== undefined ? h('span', { class: `chip ${statusTone(s.status)}`, id: 'job-status', title: `status ${s.status}` }, s.status_name ?? String(s.status)) : null;
    const headline: Record<JobPhase, string> = {
      running: `${name} is running`,
      starting: `${name} is starting`,
      stopping: `${name} is stopping`,
      stopped: `${name} is not running`,
      failed: `${name} failed`,
      unknown: 'No such job',
    };
    const explain: Record<JobPhase, string> = {
      running: '',
      starting: 'Its viewer opens here by itself as soon as the job is RUNNING.',
      stopping: 'Its viewer has stopped serving. Restart it from the console to see its logs again; this page comes back by itself when it runs.',
      stopped: 'Its viewer serves only while the job is RUNNING. Restart it from the console; this page comes back by itself when it runs.',
      failed: 'It is not running, so its viewer does not serve. Fix the cause, then restart it from the console; this page comes back by itself when it runs.',
      unknown: `There is no job ${s.job_id || this.o.job?.jobId || ''} in project ${this.o.job?.projectId ?? ''} for your token: it was deleted, or it belongs to another project.`,
    };
    const reasons: HTMLElement[] = [];
    if (s.failure_reason) reasons.push(h('div', { class: 'reason', id: 'job-reason' }, s.failure_reason));
    // A condition that repeats the failure reason says nothing more.
    for (const c of (s.conditions ?? []).filter((x) => x.message !== s.failure_reason)) reasons.push(h('div', { class: 'reason condition' }, `${c.type} ${c.status}: ${c.message || c.reason}`));
    const waiting = s.phase === 'starting' || s.phase === 'stopping';
    const statusLine = s.phase === 'unknown' && this.mode === 'page'
      ? null
      : h('div', { class: 'hint', id: 'job-state-checked' }, waiting ? h('span', { class: 'spinner' }) : null,
        ` Checked ${new Date().toLocaleTimeString()}; checking again every ${(waiting ? FAST_MS : SLOW_MS) / 1000} s.`);
    clear(this.box);
    this.box.dataset.phase = s.phase;
    this.box.append(
      h('div', { class: 'state-head' }, chip, where ? h('span', { class: 'muted small' }, where) : null),
      h('h1', {}, headline[s.phase]),
      ...reasons,
      h('p', { class: 'muted' }, explain[s.phase]),
      h('div', { class: 'state-actions' }, this.o.job ? h('a', { class: 'btn', href: appRoot(location.pathname), id: 'to-console' }, 'Open the console') : null),
    );
    if (statusLine) this.box.append(statusLine);
  }

  /** For tests and the debug handle: the last state shown. */
  get state(): JobState | undefined {
    return this.last;
  }
}
