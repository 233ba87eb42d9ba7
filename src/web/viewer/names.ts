// How the page names series and tabs. TensorBoard's names by default; for a job whose job_type is
// mindinsight (data/environment says so), MindInsight's: a series read from a MindSpore summary is
// shown as `{tag}/{plugin}` (the display name its tags answer carries, e.g. `loss/scalar`), and
// the tabs take MindInsight's titles. Invariant: only labels change — tags in requests, state and
// URLs stay the series' own names, so both presentations read the same data.
let mindinsight = false;
/** Tag → MindInsight's name of it, from the display names of the tags answers seen. */
const labels = new Map<string, string>();

const MI_TABS: Record<string, string> = { scalars: 'Scalar', histograms: 'Parameter Distribution', images: 'Image' };

export function setJobType(jobType: unknown): void {
  mindinsight = jobType === 'mindinsight';
}

export function isMindInsight(): boolean {
  return mindinsight;
}

/** Notes the display names of a `plugin/<name>/tags` answer ({run: {tag: {displayName}}}). */
export function noteTags(path: string, body: unknown): void {
  if (!/^plugin\/[^/]+\/tags$/.test(path) || typeof body !== 'object' || body === null) return;
  for (const byTag of Object.values(body as Record<string, unknown>)) {
    if (typeof byTag !== 'object' || byTag === null) continue;
    for (const [tag, entry] of Object.entries(byTag as Record<string, unknown>)) {
      const d = (entry as { displayName?: unknown } | null)?.displayName;
      if (typeof d === 'string' && d !== '' && d.startsWith(`${tag}/`)) labels.set(tag, d);
    }
  }
}

/** A series' name as shown. */
export function tagLabel(tag: string): string {
  return mindinsight ? (labels.get(tag) ?? tag) : tag;
}

/** A tab's title as shown. */
export function tabLabel(id: string, label: string): string {
  return mindinsight ? (MI_TABS[id] ?? label) : label;
}
