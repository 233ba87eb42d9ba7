// The sidebar's settings show only on tabs where they act: each tab declares the settings it reads
// (Tab.settings), and every other setting — the whole section when none is left — is hidden. The
// settings are found by their controls' ids, so the sidebar's markup needs no knowledge of tabs.
export type SettingName = 'smoothing' | 'xaxis' | 'logscale' | 'outliers' | 'tooltipSort' | 'samples';

const CONTROL: Record<SettingName, string> = {
  smoothing: '#smoothing',
  xaxis: '#x-axis',
  logscale: '#log-scale',
  outliers: '#ignore-outliers',
  tooltipSort: '#tooltip-sort',
  samples: '#all-samples',
};

export function showSettingsFor(sidebar: ParentNode, wanted: readonly SettingName[] = []): void {
  let section: Element | null = null;
  for (const [name, sel] of Object.entries(CONTROL) as Array<[SettingName, string]>) {
    const control = sidebar.querySelector(sel);
    if (!control) continue;
    control.closest('.setting')?.toggleAttribute('hidden', !wanted.includes(name));
    section ??= control.closest('.side-section');
  }
  section?.toggleAttribute('hidden', wanted.length === 0);
}
