// One run of an async task at a time: asked again while it runs, it runs once
// more when it ends (however often it was asked meanwhile), so the last request
// is always served and never two runs overlap.

export class Coalesced {
  private readonly task: () => Promise<void>;
  private readonly more: () => boolean;
  private running: Promise<void> | null = null;
  private again = false;

  /** `more`: whether a run asked for meanwhile should still happen (e.g. the panel is open). */
  constructor(task: () => Promise<void>, more: () => boolean = () => true) {
    this.task = task;
    this.more = more;
  }

  /** Runs the task, or asks the run under way for one more; resolves when the runs end. */
  run(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    const loop = async (): Promise<void> => {
      do {
        this.again = false;
        await this.task();
      } while (this.again && this.more());
    };
    this.running = loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
