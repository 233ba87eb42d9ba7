// Run colours stay with a run: a colour is given in the order runs are first seen and never taken
// back, so a run appearing later does not repaint the others.

const PALETTE = [
  '#1f77b4', '#e8590c', '#2b8a3e', '#c92a2a', '#7048e8', '#8c564b', '#d6336c', '#495057',
  '#94a30f', '#1098ad', '#f59f00', '#364fc7', '#5c940d', '#a61e4d', '#0b7285', '#862e9c',
];

export class RunColors {
  private readonly assigned = new Map<string, string>();

  get(run: string): string {
    let c = this.assigned.get(run);
    if (c === undefined) {
      c = PALETTE[this.assigned.size % PALETTE.length];
      this.assigned.set(run, c);
    }
    return c;
  }
}

/** `#rrggbb` with an alpha, for the faint raw line under a smoothed one. */
export function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(Math.min(Math.max(alpha, 0), 1) * 255).toString(16).padStart(2, '0');
  return `${hex}${a}`;
}
