// Run colours follow the run's name, never its position: a colour is a hash of the name turned into
// one of 360 hues × 3 saturations × 3 lightnesses (3,240 colours, all dark enough to read on white),
// so a run keeps its colour forever, whatever appears or disappears around it. A colour a person
// picks overrides the hash for that run and is remembered per job (localStorage, keyed by the job).

/** FNV-1a, 32 bits: cheap, and a one-character difference moves every bit. */
export function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche so runs differing only in the last character land on distant hues.
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** The colour a run gets from its name alone, `#rrggbb`. */
export function nameColor(run: string): string {
  const x = hashName(run);
  const hue = x % 360;
  const sat = [0.62, 0.74, 0.86][(x >>> 9) % 3];
  // Yellows and greens look lighter than blues at the same lightness: darker, so they read on white.
  const light = (hue >= 45 && hue < 200 ? [0.3, 0.36, 0.42] : [0.36, 0.44, 0.52])[(x >>> 13) % 3];
  return hslHex(hue, sat, light);
}

function hslHex(hue: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

export class RunColors {
  private readonly picked = new Map<string, string>();
  private readonly cache = new Map<string, string>();

  /** `storageKey`: where this job's picks live; undefined keeps them for the page's lifetime only. */
  constructor(private readonly storageKey?: string) {
    if (!storageKey) return;
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey) ?? '{}') as unknown;
      if (saved && typeof saved === 'object') {
        for (const [run, c] of Object.entries(saved as Record<string, unknown>)) if (typeof c === 'string' && /^#[0-9a-f]{6}$/i.test(c)) this.picked.set(run, c);
      }
    } catch {
      /* a damaged entry is as good as none */
    }
  }

  get(run: string): string {
    const p = this.picked.get(run);
    if (p) return p;
    let c = this.cache.get(run);
    if (c === undefined) {
      c = nameColor(run);
      this.cache.set(run, c);
    }
    return c;
  }

  /** A person's pick; `undefined` goes back to the name's colour. */
  set(run: string, color: string | undefined): void {
    if (color && /^#[0-9a-f]{6}$/i.test(color)) this.picked.set(run, color.toLowerCase());
    else this.picked.delete(run);
    if (!this.storageKey) return;
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(Object.fromEntries(this.picked)));
    } catch {
      /* storage full or disabled: the pick lasts for this page */
    }
  }

  isPicked(run: string): boolean {
    return this.picked.has(run);
  }
}

/** `#rrggbb` with an alpha, for the faint raw line under a smoothed one. */
export function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(Math.min(Math.max(alpha, 0), 1) * 255).toString(16).padStart(2, '0');
  return `${hex}${a}`;
}
