// The viewer page served at a job's service_url. It reads TensorBoard's data API under `data/` of
// that URL, shows one tab at a time (hash-routed, so deep links survive a reload), and polls while
// the browser tab is visible — new data appears without a reload, and a hidden tab costs the
// server nothing.
import 'uplot/dist/uPlot.min.css';
import '../lib/base.css';
import './viewer.css';
import { $, clear, h } from '../lib/dom.js';
import { brand } from '../lib/ui.js';
import { appRoot } from '../lib/app-root.js';
import { saveSession, startCookieSession } from '../lib/session.js';
import { DataClient, DataError, jobFromBase, viewerBase } from './data.js';
import { ViewerState, regexError, type XAxis } from './state.js';
import { ScalarsTab } from './scalars.js';
import { DistributionsTab, HistogramsTab } from './histograms.js';
import { MediaTab } from './media.js';
import { TextTab } from './text.js';
import { HParamsTab } from './hparams.js';
import { PrCurvesTab } from './prcurves.js';
import { ProblemsTab } from './problems.js';
import { ProjectorTab } from './projector/tab.js';
import { GraphsTab } from './graphs.js';
import type { Tab } from './tab.js';
import { setJobType, tabLabel } from './names.js';
import { applyTheme, themeSwitch } from '../lib/theme.js';
import { installEscapeCloses } from '../lib/keys.js';
import { JobStateView, initialJobState } from './job-state.js';
import { showSettingsFor } from './settings-panel.js';

applyTheme();
installEscapeCloses();

const POLL_MS = 5000;
const base = viewerBase();
const job = jobFromBase(base);
const data = new DataClient(base);
const state = new ViewerState();
const app = $('#app');

const scalars = new ScalarsTab(data, state);
const scalarTab: Tab = { el: scalars.el, settings: ['smoothing', 'xaxis', 'logscale', 'samples'], refresh: () => scalars.refresh(), redraw: () => scalars.redraw(), count: () => scalars.tagCount() };
const TABS: Array<[string, string, Tab]> = [
  ['scalars', 'Scalars', scalarTab],
  ['histograms', 'Histograms', new HistogramsTab(data, state)],
  ['distributions', 'Distributions', new DistributionsTab(data, state)],
  ['images', 'Images', new MediaTab('images', data, state)],
  ['audio', 'Audio', new MediaTab('audio', data, state)],
  ['text', 'Text', new TextTab(data, state)],
  ['hparams', 'HParams', new HParamsTab(data)],
  ['pr_curves', 'PR curves', new PrCurvesTab(data, state)],
  ['graphs', 'Graphs', new GraphsTab(data)],
  ['projector', 'Projector', new ProjectorTab(data)],
  ['problems', 'Problems', new ProblemsTab(data)],
];
const refreshedOnce = new Set<string>();

interface Debug {
  ready: boolean;
  runs: string[];
  tab: string;
  refreshes: number;
  error?: string;
  scalars: () => ReturnType<ScalarsTab['stats']>;
}
const debug: Debug = { ready: false, runs: [], tab: 'scalars', refreshes: 0, scalars: () => scalars.stats() };
(window as unknown as { __vizjobs: Debug }).__vizjobs = debug;

// ---- page frame -------------------------------------------------------------------------------

const locationEl = h('span', { class: 'mono muted data-location', id: 'data-location' });
const statusEl = h('span', { class: 'live', id: 'live' }, h('span', { class: 'spinner' }), ' loading…');
const tabBar = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Dashboards' });
const sidebar = h('aside', { class: 'sidebar' });
const content = h('section', { class: 'content', role: 'tabpanel' });
const tagFilter = h('input', { type: 'search', id: 'tag-filter', placeholder: 'Filter tags (regex)…', value: state.settings.tagFilter });
const tagErr = h('span', { class: 'error-text' });
const mainEl = h('main', { class: 'viewer-main' }, h('div', { class: 'filterbar' }, tagFilter, tagErr), content);

/** What the content area shows until the first answer arrives (the job's first load runs then). */
const firstLoadNote = h('div', { class: 'no-data', id: 'first-load' }, h('div', { class: 'big' }, h('span', { class: 'spinner big-spinner' }), ' Reading the event files…'),
  h('div', { class: 'muted', id: 'first-load-detail' }, 'The first view of a job loads its logs; later views are instant.'));

function frame(): void {
  clear(app);
  const title = job ? h('span', { class: 'job-title' }, h('span', { class: 'muted' }, `${job.projectId} / `), `job ${job.jobId}`) : '';
  app.append(
    h('div', { class: 'topbar' }, brand(), h('div', { class: 'job-head' }, title, locationEl), tabBar, h('div', { class: 'spacer' }), statusEl, themeSwitch(), job ? h('a', { href: appRoot(location.pathname), class: 'muted' }, 'Console') : ''),
    h('div', { class: 'layout' }, sidebar, mainEl),
  );
  let t: number | undefined;
  tagFilter.addEventListener('input', () => {
    clearTimeout(t);
    t = window.setTimeout(() => {
      tagErr.textContent = regexError(tagFilter.value) ?? '';
      state.update({ tagFilter: tagFilter.value });
    }, 150);
  });
  renderSidebar();
  renderTabs();
  showSettingsFor(sidebar, TABS.find(([k]) => k === currentTab())?.[2].settings);
}

function currentTab(): string {
  const id = location.hash.replace(/^#/, '');
  return TABS.some(([k]) => k === id) ? id : 'scalars';
}

function renderTabs(): void {
  clear(tabBar);
  const active = currentTab();
  for (const [id, label, tab] of TABS) {
    const n = refreshedOnce.has(id) ? tab.count() : undefined;
    const a = h('a', { href: `#${id}`, class: `tab${id === active ? ' active' : ''}${n === 0 ? ' empty-tab' : ''}`, 'data-tab': id, role: 'tab', 'aria-selected': id === active ? 'true' : 'false' }, tabLabel(id, label),
      n ? h('span', { class: id === 'problems' ? 'badge bad' : 'badge' }, String(n)) : null);
    tabBar.append(a);
  }
}

/** A run as "parent/" (shrinks first, muted) + its last segment, so sub-runs stay tell-apart-able. */
function runName(run: string): HTMLElement {
  const slash = run.lastIndexOf('/');
  if (slash <= 0) return h('span', { class: 'run-name' }, h('span', { class: 'leaf' }, run));
  return h('span', { class: 'run-name' }, h('span', { class: 'parent' }, run.slice(0, slash + 1)), h('span', { class: 'leaf' }, run.slice(slash + 1)));
}

function renderSidebar(): void {
  clear(sidebar);
  const s = state.settings;
  const runFilter = h('input', { type: 'search', id: 'run-filter', placeholder: 'Filter runs (regex)…', value: s.runFilter });
  const runErr = h('div', { class: 'error-text' }, regexError(s.runFilter) ?? '');
  runFilter.addEventListener('input', () => {
    runErr.textContent = regexError(runFilter.value) ?? '';
    state.update({ runFilter: runFilter.value });
  });
  const list = h('div', { class: 'run-list', id: 'runs', role: 'group', 'aria-label': 'Runs' });
  const fillRuns = (): void => {
    clear(list);
    const visible = new Set(state.visibleRuns());
    if (state.runs.length === 0) list.append(h('div', { class: 'muted small' }, 'No runs yet.'));
    for (const run of state.runs) {
      const box = h('input', { type: 'checkbox', checked: !state.disabled.has(run), 'data-run': run });
      box.addEventListener('change', () => state.toggleRun(run, box.checked));
      list.append(h('label', { class: `run-row${visible.has(run) ? '' : ' off'}`, title: run },
        box, h('span', { class: 'swatch', style: `background:${state.colors.get(run)}` }), runName(run)));
    }
  };
  fillRuns();
  const all = h('button', { class: 'ghost small' }, 'all');
  const none = h('button', { class: 'ghost small' }, 'none');
  all.addEventListener('click', () => { state.disabled.clear(); state.emit(); });
  none.addEventListener('click', () => { for (const r of state.runs) state.disabled.add(r); state.emit(); });

  const smooth = h('input', { type: 'range', id: 'smoothing', min: 0, max: 0.99, step: 0.01, value: s.smoothing });
  const smoothNum = h('input', { type: 'number', id: 'smoothing-value', min: 0, max: 0.999, step: 0.01, value: s.smoothing });
  const setSmooth = (v: number): void => {
    const w = Math.min(Math.max(Number.isFinite(v) ? v : 0, 0), 0.999);
    smooth.value = String(w);
    smoothNum.value = String(w);
    state.update({ smoothing: w });
  };
  smooth.addEventListener('input', () => setSmooth(Number(smooth.value)));
  smoothNum.addEventListener('change', () => setSmooth(Number(smoothNum.value)));

  const axis = h('div', { class: 'segmented', id: 'x-axis' }, ...(['step', 'relative', 'wall'] as XAxis[]).map((x) => {
    const b = h('button', { class: x === s.xAxis ? 'on' : '', 'data-axis': x }, x === 'wall' ? 'Wall' : x === 'relative' ? 'Relative' : 'Step');
    b.addEventListener('click', () => {
      state.update({ xAxis: x });
      for (const other of axis.querySelectorAll('button')) other.classList.toggle('on', other === b);
    });
    return b;
  }));
  const log = h('input', { type: 'checkbox', id: 'log-scale', checked: s.logScale });
  log.addEventListener('change', () => state.update({ logScale: log.checked }));
  const every = h('input', { type: 'checkbox', id: 'all-samples', checked: s.allSamples });
  every.addEventListener('change', () => state.update({ allSamples: every.checked }));

  sidebar.append(
    h('div', { class: 'side-section' }, h('div', { class: 'side-title' }, 'Scalar settings'),
      h('div', { class: 'setting' }, h('label', { for: 'smoothing' }, 'Smoothing'), h('div', { class: 'smooth-row' }, smooth, smoothNum)),
      h('div', { class: 'setting' }, h('label', {}, 'Horizontal axis'), axis),
      h('label', { class: 'setting check' }, log, ' Log-scale y axis'),
      h('label', { class: 'setting check', title: 'Series longer than 10,000 points are reduced by the server (first, last, min and max of each bucket kept). Tick to load every sample.' }, every, ' Every sample (no server reduction)'),
      h('div', { class: 'hint' }, 'Drag on a chart to zoom, double-click to reset.')),
    h('div', { class: 'side-section grow' }, h('div', { class: 'side-title' }, 'Runs ', h('span', { class: 'spacer' }), all, none), runFilter, runErr, list),
  );
  state.onChange(fillRuns);
}

// ---- loading and polling ------------------------------------------------------------------------

let polling = false;
let firstLoad = true;

async function poll(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    if (firstLoad) {
      void watchStatus();
      // Awaited: the job's type chooses how tabs and series are named (names.ts).
      await data.json<{ data_location?: string; window_title?: string; job_type?: string }>('environment').then((env) => {
        if (env.data_location) locationEl.textContent = env.data_location;
        if (env.window_title) document.title = env.window_title;
        setJobType(env.job_type);
        renderTabs();
      }, () => undefined);
    }
    const runs = await data.json<string[]>('runs');
    state.setRuns(runs);
    debug.runs = runs;
    if (firstLoad && runs.length > 0) showTab();
    const id = currentTab();
    const tab = TABS.find(([k]) => k === id)?.[2] as Tab;
    if (runs.length === 0) {
      showNoData();
    } else {
      hideNoData();
      await refreshTab(id, tab);
    }
    if (firstLoad) {
      firstLoad = false;
      // Fill the other tabs' counts in the background, one at a time, without holding up polls.
      if (runs.length > 0) void fillOtherTabs(id);
    }
    debug.ready = true;
    debug.refreshes++;
    debug.error = undefined;
    renderTabs();
    statusEl.classList.remove('bad');
    setLive(`Live · ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    handleError(e);
  } finally {
    polling = false;
  }
}

/** Errors that concern the whole job (access, status) go up; one plugin's failure stays in its tab. */
async function refreshTab(id: string, tab: Tab): Promise<void> {
  try {
    await tab.refresh();
    refreshedOnce.add(id);
  } catch (e) {
    if (e instanceof DataError && e.kind !== 'http') throw e;
    tab.el.replaceChildren(h('div', { class: 'banner bad' }, `This tab's data could not be loaded: ${e instanceof Error ? e.message : String(e)}`));
  }
}

async function fillOtherTabs(active: string): Promise<void> {
  for (const [k, , t] of TABS) {
    if (k === active || refreshedOnce.has(k)) continue;
    try {
      await t.refresh();
      refreshedOnce.add(k);
    } catch {
      // Shown when the tab is opened (its refresh runs again then).
    }
  }
  renderTabs();
}

async function watchStatus(): Promise<void> {
  // data/status reports the first load's progress; without it the spinner alone says "loading".
  while (firstLoad) {
    try {
      const s = await data.json<Record<string, unknown>>('status');
      if (!firstLoad) return;
      const bytes = num(s.bytesRead ?? s.bytes_read);
      const points = num(s.points ?? s.samples);
      const parts = [bytes !== undefined ? `${(bytes / 1e6).toFixed(1)} MB read` : '', points !== undefined ? `${points.toLocaleString()} points` : ''].filter(Boolean);
      setLive(`loading${parts.length ? ` · ${parts.join(' · ')}` : '…'}`, true);
      const detail = document.getElementById('first-load-detail');
      if (detail && parts.length) detail.textContent = `${parts.join(' · ')} so far`;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 400));
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function setLive(text: string, busy = false): void {
  clear(statusEl);
  statusEl.title = text;
  statusEl.classList.toggle('busy', busy);
  statusEl.append(busy ? h('span', { class: 'spinner' }) : h('span', { class: 'dot' }), ` ${text}`);
}

let noData: HTMLElement | undefined;
function showNoData(): void {
  if (noData) return;
  noData = h('div', { class: 'no-data', id: 'no-data' },
    h('div', { class: 'big' }, 'No data yet'),
    h('div', { class: 'muted' }, 'No event files were found under this job’s train_url. This page picks them up by itself as soon as training writes them.'));
  content.replaceChildren(noData);
}
function hideNoData(): void {
  if (!noData) return;
  noData = undefined;
  showTab();
}

function handleError(e: unknown): void {
  const err = e instanceof DataError ? e : new DataError('network', 0, e instanceof Error ? e.message : String(e));
  debug.error = `${err.kind}: ${err.message}`;
  if (err.kind === 'network' || err.kind === 'http') {
    setLive(`offline — retrying (${err.message})`, false);
    statusEl.classList.add('bad');
    return;
  }
  if (err.kind === 'unavailable') {
    // The job's storage does not answer: the server keeps retrying and so does this page's poll.
    setLive(err.message, false);
    statusEl.classList.add('bad');
    if (firstLoad) showUnavailable(err.message);
    return;
  }
  statusEl.classList.remove('bad');
  stopPolling();
  // The job stopped, never ran, or is gone: job-state.ts says so, waits, and hands back (resume).
  if (job && (err.kind === 'not_running' || err.kind === 'not_found')) {
    setLive('job not running');
    statusEl.classList.add('bad');
    return jobState.show(firstLoad ? 'page' : 'overlay');
  }
  if (err.kind === 'unauthorized') return showSignIn(err.message);
  const title = err.kind === 'forbidden' ? 'Not your project' : err.kind === 'not_running' ? 'This job is not running' : 'No such job';
  const text = err.kind === 'forbidden'
    ? `Your token does not give access to project ${job?.projectId ?? ''}. ${err.message}`
    : err.kind === 'not_running'
      ? `Start it again from the console to view its logs. (${err.message})`
      : err.message;
  app.replaceChildren(h('div', { class: 'topbar' }, brand()), h('div', { class: 'panel message-page', id: 'message' }, h('h2', {}, title), h('p', {}, text), job ? h('a', { href: appRoot(location.pathname) }, '← Back to the console') : ''));
}

/** Before any data arrived: say why instead of a spinner that never ends. */
function showUnavailable(message: string): void {
  firstLoadNote.replaceChildren(h('div', { class: 'big', id: 'storage-unavailable' }, message),
    h('div', { class: 'muted' }, 'The job’s storage does not answer right now. This page shows the logs by itself as soon as it does.'));
}

function showSignIn(message: string): void {
  const token = h('input', { type: 'password', id: 'viewer-token', placeholder: 'X-Auth-Token' });
  // A first visit without credentials is not an error worth showing the API's words for.
  const err = h('div', { class: 'error-text' }, /cannot be empty/i.test(message) ? '' : message);
  const form = h('form', { class: 'panel message-page', id: 'viewer-signin' },
    h('h2', {}, 'Sign in to view this job'),
    h('p', { class: 'muted' }, `Job ${job?.jobId ?? ''} of project ${job?.projectId ?? ''}.`),
    token, err, h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    h('div', { class: 'hint' }, 'Opening the viewer from the console signs you in for 12 hours.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = token.value.trim();
    if (!t) return;
    // The browser's sign-in cookie; a server without it (vizjobs view) gets this tab's header instead.
    const started = await startCookieSession(t);
    if (!started.ok && job) saveSession({ token: t, projectId: job.projectId });
    location.reload();
  });
  app.replaceChildren(h('div', { class: 'topbar' }, brand()), form);
  token.focus();
}

let timer: number | undefined;
/** Set once the page shows a sign-in or message page: nothing more to poll for. */
let halted = false;
function startPolling(): void {
  if (timer !== undefined || halted) return;
  timer = window.setInterval(() => {
    if (document.visibilityState === 'visible') void poll();
  }, POLL_MS);
}
function stopPolling(): void {
  halted = true;
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && timer !== undefined) void poll();
});

// ---- tab switching and redraws ---------------------------------------------------------------

function showTab(): void {
  const id = currentTab();
  debug.tab = id;
  const tab = TABS.find(([k]) => k === id)?.[2] as Tab;
  if (!noData) content.replaceChildren(tab.el);
  tagFilter.parentElement?.toggleAttribute('hidden', id === 'hparams' || id === 'problems' || id === 'projector' || id === 'graphs');
  showSettingsFor(sidebar, tab.settings);
  renderTabs();
  if (refreshedOnce.has(id)) tab.redraw();
  else if (!firstLoad) void refreshTab(id, tab).then(renderTabs, handleError);
}

window.addEventListener('hashchange', showTab);
// An open download menu closes on any click outside it.
document.addEventListener('click', (ev) => {
  for (const d of document.querySelectorAll<HTMLDetailsElement>('details.download[open]')) {
    if (!d.contains(ev.target as Node)) d.open = false;
  }
});

let redrawQueued = false;
state.onChange(() => {
  if (redrawQueued) return;
  redrawQueued = true;
  requestAnimationFrame(() => {
    redrawQueued = false;
    if (noData) return;
    const id = currentTab();
    const tab = TABS.find(([k]) => k === id)?.[2] as Tab;
    tab.redraw();
    // Tabs other than Scalars fetch per run: a newly shown run needs a refresh.
    if (id !== 'scalars') void refreshTab(id, tab).catch(handleError);
  });
});

const jobState = new JobStateView({ data, app, job, onFatal: handleError, onRunning: resume });
/** The job runs again under an open viewer: poll as before, reloading its data now. */
function resume(): void {
  halted = false;
  startPolling();
  void poll();
}

const served = initialJobState();
if (served && job) {
  jobState.show('page', served);
} else {
  frame();
  content.replaceChildren(firstLoadNote);
  void poll().then(startPolling);
}
