/**
 * Failures in a row with the same error name. One user's failure breaks nothing, but the same
 * error many times over (a missing permission, an exhausted account quota) is a configuration
 * problem: a long run stops instead of failing every remaining user alike. A success, or a
 * failure with another error, starts the count again.
 */
export class FailureStreak {
  private name = '';
  private count = 0;

  /** @param limit failures in a row with the same error that end the run */
  constructor(private readonly limit: number) {}

  /** Records a failure; returns the streak once it has reached the limit, otherwise `undefined`. */
  failed(err: unknown): { name: string; count: number } | undefined {
    const name = (err as Error)?.name ?? 'Error';
    this.count = name === this.name ? this.count + 1 : 1;
    this.name = name;
    return this.count >= this.limit ? { name, count: this.count } : undefined;
  }

  /** Records a success (or anything that is not the same failure again). */
  succeeded(): void {
    this.name = '';
    this.count = 0;
  }
}
