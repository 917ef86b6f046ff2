// One shutdown path for everything a process starts. Each piece, once started, pushes how to
// close it; closing runs them last-in first-out, so a piece closes before what it stands on
// (the gateway before the publisher it reads, the rewinder before the lines). A start that
// fails part way closes what was started so far with the same stack, instead of a
// hand-written unwind chain per failure point.

export type Disposer = () => void | Promise<unknown>;

export class DisposerStack {
  private readonly entries: Array<{ name: string; dispose: Disposer }> = [];
  private closing: Promise<Error[]> | null = null;

  /** Registers how to close a piece that has just started. */
  defer(name: string, dispose: Disposer): void {
    if (this.closing !== null) throw new Error(`DisposerStack: "${name}" deferred after close began`);
    this.entries.push({ name, dispose });
  }

  /** How many pieces are open. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Closes every piece, newest first. A piece that throws does not stop the others; the
   * errors come back (each names its piece). Idempotent: later calls get the same promise.
   */
  close(): Promise<Error[]> {
    if (this.closing === null) {
      this.closing = (async () => {
        const errors: Error[] = [];
        while (this.entries.length > 0) {
          const { name, dispose } = this.entries.pop()!;
          try {
            await dispose();
          } catch (err) {
            errors.push(new Error(`closing ${name}: ${err instanceof Error ? err.message : String(err)}`));
          }
        }
        return errors;
      })();
    }
    return this.closing;
  }

  /**
   * Runs `start`; if it throws, closes what was started so far and rethrows the start's
   * error (the one that says what to change).
   */
  async unwindOnError<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (err) {
      await this.close();
      throw err;
    }
  }
}
