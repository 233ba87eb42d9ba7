// Test support: the JobRuntime of the lifecycle and API tests (src/testing/test-server.ts; `vizjobs
// serve` wires the real ViewerRuntime in src/app.ts): a job "serves" once its train_url resolved
// inside the object-storage root and the storage answered one listing; a failed listing is
// reported by the contract of src/runtime/runtime.ts (transient or permanent). Nothing is loaded; the
// placeholder viewer lists runs on request. A bucket directory that is itself a symlink out of
// the root is refused by LocalStorage's listing, like any other escaping path.
import type { Config } from '../config.js';
import { resolveTrainUrl } from '../storage/resolve.js';
import type { LogLocation } from '../storage/storage.js';
import { runtimeErrorOf, type JobRuntime, type JobToServe } from '../runtime/runtime.js';

export class InProcessRuntime implements JobRuntime {
  private readonly serving = new Map<number, { job: JobToServe; location: LogLocation }>();

  constructor(private readonly config: Pick<Config, 'obsRoot' | 's3Endpoint'>) {}

  async start(job: JobToServe): Promise<void> {
    if (this.serving.has(job.jobId)) return;
    let location: LogLocation;
    try {
      location = this.locate(job.trainUrl);
      await location.storage.list(location.prefix);
    } catch (err) {
      throw runtimeErrorOf(err, job.trainUrl);
    }
    this.serving.set(job.jobId, { job, location });
  }

  /** train_url → location; a test subclass wraps the storage here to count its calls. */
  protected locate(trainUrl: string): LogLocation {
    return resolveTrainUrl(trainUrl, this.config);
  }

  async stop(jobId: number): Promise<void> {
    this.serving.delete(jobId);
  }

  async teardown(jobId: number): Promise<void> {
    this.serving.delete(jobId);
  }

  isServing(jobId: number): boolean {
    return this.serving.has(jobId);
  }

  servingJobIds(): number[] {
    return [...this.serving.keys()];
  }

  /** Run names under the job's train_url: directories (relative to it) holding tfevents files. */
  async runs(jobId: number): Promise<string[] | undefined> {
    const s = this.serving.get(jobId);
    if (!s) return undefined;
    const objects = await s.location.storage.list(s.location.prefix);
    const runs = new Set<string>();
    for (const o of objects) {
      const rel = o.key.slice(s.location.prefix.length);
      const slash = rel.lastIndexOf('/');
      const file = rel.slice(slash + 1);
      if (!file.includes('tfevents')) continue;
      runs.add(slash < 0 ? '.' : rel.slice(0, slash));
    }
    return [...runs].sort();
  }
}
