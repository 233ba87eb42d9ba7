// Test and benchmark support: waiting for something that happens elsewhere (a process, a page, a
// replica), by polling — one helper, so every wait fails the same way: naming what it waited for
// and the last error the probe threw.

/**
 * Polls `fn` every `everyMs` until it returns a value other than undefined or false, and returns
 * that value; throws after `timeoutMs`, naming `what`. A probe that throws counts as not yet.
 */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
