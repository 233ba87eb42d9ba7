// The console at `/`: sign in (once per browser: the sign-in cookie, lib/session.ts), list, create,
// stop, restart, delete and open jobs, using only the public job API. State lives in the URL-less module scope; the list reloads on every change and
// every few seconds while the tab is visible, so statuses move without a click.
import '../lib/base.css';
import './console.css';
import { $, clear, h } from '../lib/dom.js';
import { brand, confirmDialog, toast } from '../lib/ui.js';
import { announceSessionChange, cookieSession, endCookieSession, lastProject, noCookieRoute, rememberProject, SESSION_EVENT_KEY, startCookieSession } from '../lib/session.js';
import { applyTheme, themeSwitch } from '../lib/theme.js';
import { installEscapeCloses } from '../lib/keys.js';
import { humanDuration, statusName, statusTone } from '../lib/format.js';
import { canDelete, canRestart, canStop, ENDED_AS_ASKED, ENDED_BADLY, QUEUED, Status } from '../../domain/status.js';
import { validateCreate, type CreateForm, type FieldErrors } from '../lib/validate.js';
import { ApiError, JobApi, type Job, type JobList, type ListQuery } from './api.js';

applyTheme();
installEscapeCloses();

const app = $('#app');
const REFRESH_MS = 4000;
/** How long after a create the console waits for the job to run before checking its train_url. */
const EVENT_CHECK_MS = 60_000;

/** Signed in: the project, and the token only where the server has no sign-in cookie (this tab alone). */
interface Session {
  projectId: string;
  token?: string;
}

/** What this tab shows, so a sign-in or sign-out in another tab is followed. */
let showing: 'signin' | 'console' | undefined;
let stopConsole: (() => void) | undefined;

const anyOf = (xs: readonly number[]): string => xs.join('|');

/** Filters by the domain's status families; the API takes several statuses joined by `|`. */
const STATUS_FILTERS: Array<[string, string]> = [
  ['', 'All statuses'],
  [String(Status.RUNNING), 'Running'],
  [anyOf(QUEUED), 'Starting'],
  [String(Status.KILLING), 'Stopping'],
  [anyOf(ENDED_AS_ASKED), 'Stopped'],
  [anyOf(ENDED_BADLY), 'Failed'],
];

interface ConsoleState {
  api: JobApi;
  query: ListQuery;
  last?: JobList;
  /** RUNNING jobs of the whole project (one extra list call of one row). */
  running?: number;
  timer?: number;
  loading: boolean;
}

function showSignIn(message?: string): void {
  stopConsole?.();
  showing = 'signin';
  clear(app);
  const token = h('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: 'X-Auth-Token' });
  const project = h('input', { type: 'text', id: 'project', placeholder: 'project id', value: lastProject() });
  const err = h('div', { class: 'error-text', id: 'signin-error' }, message ?? '');
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'panel signin', id: 'signin' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Visualization jobs: TensorBoard as a service.'),
    h('div', { class: 'field' }, h('label', { for: 'project' }, 'Project ID'), project),
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'Token'), token),
    err,
    submit,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = token.value.trim();
    const projectId = project.value.trim();
    if (!t || !projectId) {
      err.textContent = 'Both the project id and the token are required.';
      return;
    }
    submit.disabled = true;
    void signIn(t, projectId).then((problem) => {
      submit.disabled = false;
      if (problem) err.textContent = problem;
    });
  });
  app.append(h('div', { class: 'topbar' }, brand(), h('div', { class: 'spacer' }), themeSwitch()), form);
  (project.value ? token : project).focus();
}

/**
 * Signs the browser in (the server checks the token for the project and sets the cookie), then
 * checks the job API takes it with a one-row list. A server without the sign-in route gets the
 * token as a header, for this tab only.
 */
async function signIn(token: string, projectId: string): Promise<string | undefined> {
  const started = await startCookieSession(token, projectId);
  if (!started.ok && !noCookieRoute(started)) {
    return started.status === 0 ? 'Cannot reach the server.' : `${started.message ?? `HTTP ${started.status}`}${started.code ? ` (${started.code})` : ''}`;
  }
  const s: Session = started.ok ? { projectId } : { projectId, token };
  const api = new JobApi(s.token, s.projectId);
  try {
    await api.list({ page: 1, per_page: 1, sortBy: 'job_id', order: 'asc', search_content: '', status: '' });
  } catch (e) {
    return e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
  }
  rememberProject(projectId);
  if (started.ok) announceSessionChange();
  showConsole(s);
  return undefined;
}

function showConsole(s: Session): void {
  stopConsole?.();
  showing = 'console';
  clear(app);
  const state: ConsoleState = {
    api: new JobApi(s.token, s.projectId),
    query: { page: 1, per_page: 20, sortBy: 'create_time', order: 'desc', search_content: '', status: '' },
    loading: false,
  };
  const signOut = h('button', { class: 'ghost', id: 'signout' }, 'Sign out');
  signOut.addEventListener('click', () => {
    if (state.timer) clearInterval(state.timer);
    void endCookieSession().then(() => showSignIn());
  });
  const top = h('div', { class: 'topbar' }, brand(), h('span', { class: 'muted hide-narrow' }, 'Visualization jobs'), h('div', { class: 'spacer' }),
    h('span', { class: 'muted' }, 'project '), h('span', { class: 'mono', id: 'project-id' }, s.projectId), themeSwitch(), signOut);

  const search = h('input', { type: 'search', id: 'search', placeholder: 'Search job names…', maxlength: 64 });
  let searchTimer: number | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => {
      state.query.search_content = search.value;
      state.query.page = 1;
      void refresh(state);
    }, 250);
  });
  const statusSel = h('select', { id: 'status-filter' }, ...STATUS_FILTERS.map(([v, l]) => h('option', { value: v }, l)));
  statusSel.addEventListener('change', () => {
    state.query.status = statusSel.value;
    state.query.page = 1;
    void refresh(state);
  });
  const auto = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });
  const newBtn = h('button', { class: 'primary', id: 'new-job' }, '+ New job');
  newBtn.addEventListener('click', () => openCreate(state));
  const refreshBtn = h('button', { id: 'refresh' }, 'Refresh');
  refreshBtn.addEventListener('click', () => void refresh(state));
  const toolbar = h('div', { class: 'toolbar' }, search, statusSel, h('div', { class: 'spacer' }),
    h('label', { class: 'muted' }, auto, ' auto-refresh'), refreshBtn, newBtn);

  const stats = h('div', { class: 'stats', id: 'stats' });
  const notices = h('div', { class: 'notices', id: 'notices', role: 'status' });
  const table = h('div', { class: 'panel', id: 'jobs' });
  app.append(top, h('main', { class: 'console' }, stats, notices, toolbar, table));

  state.timer = window.setInterval(() => {
    if (auto.checked && document.visibilityState === 'visible' && !document.querySelector('dialog[open]')) void refresh(state);
  }, REFRESH_MS);
  stopConsole = () => {
    if (state.timer) clearInterval(state.timer);
    state.timer = undefined;
  };
  void refresh(state);
}

async function refresh(state: ConsoleState): Promise<void> {
  if (state.loading) return;
  state.loading = true;
  try {
    const [list, running] = await Promise.all([
      state.api.list(state.query),
      state.api.list({ page: 1, per_page: 1, sortBy: 'job_id', order: 'asc', search_content: '', status: String(Status.RUNNING) }),
    ]);
    state.last = list;
    state.running = running.job_total_count;
    render(state);
  } catch (e) {
    if (e instanceof ApiError && (e.httpStatus === 401 || e.httpStatus === 403)) {
      showSignIn(`${e.message} Sign in again.`);
      return;
    }
    const box = $('#jobs');
    clear(box);
    box.append(h('div', { class: 'banner bad' }, e instanceof Error ? e.message : String(e)));
  } finally {
    state.loading = false;
  }
}

function render(state: ConsoleState): void {
  const list = state.last;
  if (!list) return;
  const stats = $('#stats');
  clear(stats);
  stats.append(
    stat(String(list.job_total_count), state.query.search_content || state.query.status ? 'matching jobs' : 'jobs'),
    stat(`${state.running ?? '—'} / ${list.quotas}`, 'running / quota'),
    stat(String(list.job_count_limit), 'more jobs allowed'),
  );
  const box = $('#jobs');
  clear(box);
  const cols: Array<[string, string | undefined]> = [
    ['ID', 'job_id'], ['Name', 'job_name'], ['Status', 'status'], ['Running for', undefined],
    ['Created', 'create_time'], ['Logs (train_url)', undefined], ['', undefined],
  ];
  const head = h('tr', {}, ...cols.map(([label, key]) => {
    if (!key) return h('th', {}, label);
    const active = state.query.sortBy === key;
    const th = h('th', { class: 'sortable', 'data-sort': key }, label, active ? h('span', { class: 'arrow' }, state.query.order === 'asc' ? '▲' : '▼') : null);
    th.addEventListener('click', () => {
      if (active) state.query.order = state.query.order === 'asc' ? 'desc' : 'asc';
      else {
        state.query.sortBy = key;
        state.query.order = key === 'create_time' || key === 'job_id' ? 'desc' : 'asc';
      }
      void refresh(state);
    });
    return th;
  }));
  const body = h('tbody', {}, ...list.jobs.map((j) => jobRow(state, j)));
  const table = h('table', { class: 'jobs' }, h('thead', {}, head), body);
  box.append(table);
  if (list.jobs.length === 0) {
    box.append(h('div', { class: 'empty' }, state.query.search_content || state.query.status ? 'No job matches.' : 'No jobs yet. Create one to view its training logs.'));
  }
  const q = state.query;
  const from = list.job_total_count === 0 ? 0 : (q.page - 1) * q.per_page + 1;
  const to = Math.min(list.job_total_count, q.page * q.per_page);
  const prev = h('button', { id: 'prev-page', disabled: q.page <= 1 }, '‹ Prev');
  const next = h('button', { id: 'next-page', disabled: to >= list.job_total_count }, 'Next ›');
  prev.addEventListener('click', () => { q.page--; void refresh(state); });
  next.addEventListener('click', () => { q.page++; void refresh(state); });
  const per = h('select', { id: 'per-page' }, ...[10, 20, 50, 100].map((n) => h('option', { value: n }, `${n} / page`)));
  per.value = String(q.per_page);
  per.addEventListener('change', () => { q.per_page = Number(per.value); q.page = 1; void refresh(state); });
  box.append(h('div', { class: 'pager' }, h('span', { class: 'muted', id: 'page-info' }, `${from}–${to} of ${list.job_total_count}`),
    h('span', {}, per, ' ', prev, ' ', next)));
}

function stat(n: string, label: string): HTMLElement {
  return h('div', { class: 'panel stat' }, h('div', { class: 'n' }, n), h('div', { class: 'l' }, label));
}

function jobRow(state: ConsoleState, j: Job): HTMLElement {
  const actions = h('td', { class: 'actions' });
  if (j.status === Status.RUNNING && j.service_url) {
    actions.append(h('a', { class: 'btn open-viewer', href: viewerHref(j.service_url), target: '_blank', rel: 'noopener' }, 'Open viewer ↗'));
  }
  const act = (label: string, cls: string, enabled: boolean, run: () => Promise<unknown>, confirmText: string, danger: boolean): void => {
    const b = h('button', { class: cls, disabled: !enabled }, label);
    b.addEventListener('click', async () => {
      if (!(await confirmDialog(`${label} job ${j.job_name}?`, confirmText, label, danger))) return;
      b.disabled = true;
      try {
        await run();
        toast(`${label}: ${j.job_name} — accepted`);
      } catch (e) {
        toast(e instanceof ApiError ? `${e.message} (${e.code})` : String(e), true);
      }
      void refresh(state);
    });
    actions.append(b);
  };
  act('Stop', 'stop', canStop(j.status), () => state.api.stop(j.job_id), 'Its viewer stops serving. You can restart it later.', false);
  act('Restart', 'restart', canRestart(j.status), () => state.api.restart(j.job_id), 'The job starts again and reads its logs anew.', false);
  act('Delete', 'danger delete', canDelete(j.status), () => state.api.remove(j.job_id), 'The job and its viewer are removed for good. The logs in storage are not touched.', true);
  const tone = statusTone(j.status);
  return h('tr', { 'data-job-id': j.job_id, 'data-job-name': j.job_name },
    h('td', { class: 'mono muted' }, j.job_id),
    h('td', { class: 'name' }, j.job_name, editDescButton(state, j), j.job_desc ? h('div', { class: 'desc', title: j.job_desc }, j.job_desc) : null),
    h('td', {}, h('span', { class: `chip ${tone}`, title: `status ${j.status}` }, statusName(j.status)), conditionNote(j)),
    h('td', {}, humanDuration(j.duration), j.remaining_duration != null ? h('div', { class: 'muted' }, `stops in ${humanDuration(j.remaining_duration)}`) : null),
    h('td', { class: 'muted', title: new Date(j.create_time).toISOString() }, new Date(j.create_time).toLocaleString()),
    h('td', { class: 'mono' }, j.train_url ?? ''),
    actions,
  );
}

/** A condition that is not True says why a RUNNING job's viewer is not serving (e.g. storage down). */
function conditionNote(j: Job): HTMLElement | null {
  const bad = (j.conditions ?? []).find((c) => c.status !== 'True');
  if (!bad) return null;
  return h('div', { class: 'muted condition', title: `${bad.type}: ${bad.reason} since ${new Date(bad.lastTransitionTime).toLocaleString()}` }, bad.message);
}

function editDescButton(state: ConsoleState, j: Job): HTMLElement {
  const b = h('button', { class: 'ghost edit-desc', title: 'Edit description' }, '✎');
  b.addEventListener('click', () => {
    const text = h('textarea', { rows: 3, maxlength: 256, name: 'job_desc' });
    text.value = j.job_desc ?? '';
    const err = h('div', { class: 'error-text' });
    const save = h('button', { class: 'primary', type: 'submit' }, 'Save');
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h('form', { id: 'desc-form' }, h('header', {}, `Description of ${j.job_name}`),
      h('div', { class: 'body' }, text, h('div', { class: 'hint' }, 'up to 256 characters'), err), h('footer', {}, cancel, save));
    const dlg = h('dialog', {}, form);
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => dlg.remove());
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (text.value.length > 256) {
        err.textContent = `at most 256 characters (has ${text.value.length})`;
        return;
      }
      save.disabled = true;
      try {
        await state.api.updateDescription(j.job_id, text.value);
        dlg.close();
        void refresh(state);
      } catch (e) {
        err.textContent = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
      } finally {
        save.disabled = false;
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    text.focus();
  });
  return b;
}

/** The viewer lives on this server: keep its path so a public_url behind a proxy still works. */
function viewerHref(serviceUrl: string): string {
  try {
    const u = new URL(serviceUrl, location.href);
    return u.origin === location.origin ? u.pathname : u.href;
  } catch {
    return serviceUrl;
  }
}

function openCreate(state: ConsoleState): void {
  const f = {
    job_name: h('input', { type: 'text', name: 'job_name', maxlength: 20, placeholder: 'e.g. resnet50_run3' }),
    job_desc: h('textarea', { name: 'job_desc', rows: 2, placeholder: 'optional' }),
    train_url: h('input', { type: 'text', name: 'train_url', placeholder: '/bucket/dir/  ·  obs://bucket/dir/  ·  s3://bucket/dir/' }),
    job_type: h('select', { name: 'job_type' }, h('option', { value: 'tensorboard' }, 'TensorBoard'), h('option', { value: 'mindinsight' }, 'MindInsight')),
    schedule_hours: h('input', { type: 'number', name: 'schedule_hours', min: 0, max: 24, step: 1, placeholder: 'never' }),
  };
  const errs: Record<keyof CreateForm, HTMLElement> = {
    job_name: h('div', { class: 'error-text' }), job_desc: h('div', { class: 'error-text' }), train_url: h('div', { class: 'error-text' }),
    job_type: h('div', { class: 'error-text' }), schedule_hours: h('div', { class: 'error-text' }),
  };
  const field = (k: keyof CreateForm, label: string, hint?: string): HTMLElement =>
    h('div', { class: 'field' }, h('label', {}, label), f[k], hint ? h('div', { class: 'hint' }, hint) : null, errs[k]);
  const apiErr = h('div', { class: 'banner bad', id: 'create-error', hidden: true });
  const submit = h('button', { class: 'primary', type: 'submit', id: 'create-submit' }, 'Create');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h('form', { class: 'create-form', id: 'create-form', method: 'dialog' },
    h('header', {}, 'New visualization job'),
    h('div', { class: 'body' },
      field('job_name', 'Name', '1–20 letters, digits, _ or -'),
      field('job_desc', 'Description', 'up to 256 characters'),
      field('train_url', 'Training logs (train_url)', 'the object-storage directory your training writes event files to'),
      h('div', { class: 'row2' }, field('job_type', 'Type'), field('schedule_hours', 'Auto-stop after (hours)', '0–24; empty or 0: never')),
      apiErr),
    h('footer', {}, cancel, submit));
  const dlg = h('dialog', {}, form);
  const read = (): CreateForm => ({
    job_name: f.job_name.value, job_desc: f.job_desc.value, train_url: f.train_url.value, job_type: f.job_type.value, schedule_hours: f.schedule_hours.value,
  });
  const show = (e: FieldErrors): void => {
    for (const k of Object.keys(errs) as Array<keyof CreateForm>) {
      errs[k].textContent = e[k] ?? '';
      f[k].classList.toggle('invalid', Boolean(e[k]));
    }
  };
  for (const el of Object.values(f)) {
    el.addEventListener('input', () => {
      const r = validateCreate(read());
      show('errors' in r ? pickTouched(r.errors, read()) : {});
    });
  }
  cancel.addEventListener('click', () => { dlg.close(); dlg.remove(); });
  dlg.addEventListener('close', () => dlg.remove());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = validateCreate(read());
    if ('errors' in r) {
      show(r.errors);
      return;
    }
    show({});
    apiErr.hidden = true;
    submit.disabled = true;
    try {
      const created = await state.api.create(r.body);
      dlg.close();
      toast(`Created ${created.job_name} (job ${created.job_id})`);
      void refresh(state);
      void checkEventFiles(state, created, r.body.train_url);
    } catch (e) {
      apiErr.hidden = false;
      apiErr.textContent = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(dlg);
  dlg.showModal();
  f.job_name.focus();
}

/**
 * After a create: once the job runs, asks its viewer for runs; none means no event file is under
 * the train_url yet, which the create's answer (fixed by the API) cannot say. The job is created
 * either way; this only tells the person why its viewer will be empty for now. A job still queued
 * after EVENT_CHECK_MS is not checked (its viewer answers nothing before it runs).
 */
async function checkEventFiles(state: ConsoleState, created: Job, trainUrl: string): Promise<void> {
  const end = Date.now() + EVENT_CHECK_MS;
  let job: Job = created;
  try {
    while (job.status !== Status.RUNNING || !job.service_url) {
      if (Date.now() > end || ENDED_BADLY.includes(job.status) || ENDED_AS_ASKED.includes(job.status)) return;
      await new Promise((ok) => setTimeout(ok, 500));
      job = await state.api.get(created.job_id);
    }
    const runs = await state.api.viewerRuns(viewerHref(job.service_url));
    if (runs.length > 0) return;
  } catch {
    return; // Deleted meanwhile, signed out, unreachable: nothing to tell about the logs.
  }
  const box = document.getElementById('notices');
  if (!box) return;
  const close = h('button', { class: 'ghost', 'aria-label': 'Dismiss', title: 'Dismiss' }, '×');
  const note = h('div', { class: 'banner info notice', 'data-job-id': created.job_id, id: `no-events-${created.job_id}` },
    h('span', {}, h('b', {}, created.job_name), `: no event files found under `, h('span', { class: 'mono' }, trainUrl), ' yet; the viewer will show them when training writes them.'),
    close);
  close.addEventListener('click', () => note.remove());
  box.append(note);
}

/** While typing, only fields that have something in them show an error. */
function pickTouched(e: FieldErrors, form: CreateForm): FieldErrors {
  const out: FieldErrors = {};
  for (const k of Object.keys(e) as Array<keyof CreateForm>) if (form[k] !== '') out[k] = e[k];
  return out;
}

/** The browser's sign-in, if any: a new tab of a signed-in browser opens on the job list. */
async function boot(): Promise<void> {
  const project = lastProject();
  const s = project ? await cookieSession() : undefined;
  if (s?.ok) showConsole({ projectId: project });
  else showSignIn();
}

// Another tab signed in or out: follow it (a signed-out cookie also fails this tab's next call).
window.addEventListener('storage', (ev) => {
  if (ev.key !== SESSION_EVENT_KEY) return;
  if (showing === 'console') {
    void cookieSession().then((s) => {
      if (!s.ok) showSignIn('Signed out in another tab.');
    });
  } else if (!document.querySelector('#signin input:focus')) {
    void boot();
  }
});

void boot();
