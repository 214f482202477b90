/** One caller's request to claim the token whose hash is `key`. */
interface Waiting<Request, Claim> {
  readonly key: string;
  readonly request: Request;
  readonly resolve: (claim: Claim | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** Options of `ClaimBatcher`. */
export interface ClaimBatcherOptions {
  /** Statements in flight at once; the requests arriving meanwhile wait and go together. */
  readonly maxInFlight: number;
  /** Most requests one statement carries. */
  readonly maxBatch: number;
}

/**
 * Claims a batch of keys in one statement and answers, by key, what it
 * claimed; a key it could not claim is absent.
 */
export type ClaimAll<Request, Claim> = (
  requests: ReadonlyMap<string, Request>,
) => Promise<ReadonlyMap<string, Claim>>;

/**
 * Coalesces concurrent claims into shared statements. A claim that finds
 * fewer than `maxInFlight` statements running leaves at once, alone, so an
 * idle service adds no wait; claims that arrive while the statements run
 * leave together, in arrival order, as soon as one finishes. Under load a
 * statement thus carries many claims, and the database parses, plans and
 * commits once for all of them (docs/benchmarks.md measures the gain).
 *
 * One statement never carries the same key twice: a repeated key waits for
 * a later statement, where the database's conditional update, not this
 * class, decides that at most one use claims it. Each claim a statement
 * reports therefore goes to exactly one caller. When a shared statement
 * fails, each of its claims is tried again alone, so one claim's failure
 * stays its own.
 */
export class ClaimBatcher<Request, Claim> {
  private readonly waiting: Waiting<Request, Claim>[] = [];
  private inFlight = 0;

  constructor(
    private readonly claimAll: ClaimAll<Request, Claim>,
    private readonly options: ClaimBatcherOptions,
  ) {}

  /** Claims `key`; answers the claim, or `undefined` when the statement did not claim it. */
  claim(key: string, request: Request): Promise<Claim | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, request, resolve, reject });
      this.launch();
    });
  }

  private launch(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.launch();
      });
    }
  }

  /** The oldest waiting claims with distinct keys, removed from the queue. */
  private takeBatch(): Map<string, Waiting<Request, Claim>> {
    const batch = new Map<string, Waiting<Request, Claim>>();
    const left: Waiting<Request, Claim>[] = [];
    for (const waiting of this.waiting) {
      if (batch.size < this.options.maxBatch && !batch.has(waiting.key)) {
        batch.set(waiting.key, waiting);
      } else {
        left.push(waiting);
      }
    }
    this.waiting.splice(0, this.waiting.length, ...left);
    return batch;
  }

  private async run(batch: Map<string, Waiting<Request, Claim>>): Promise<void> {
    const requests = new Map<string, Request>();
    for (const [key, waiting] of batch) requests.set(key, waiting.request);

    let claimed: ReadonlyMap<string, Claim>;
    try {
      claimed = await this.claimAll(requests);
    } catch (error) {
      if (batch.size === 1) {
        for (const waiting of batch.values()) waiting.reject(error);
        return;
      }
      // One claim's trouble must not become every other caller's: each
      // claim of a failed statement is tried again in a statement alone.
      await Promise.all([...batch].map(([key, waiting]) => this.runAlone(key, waiting)));
      return;
    }

    for (const [key, waiting] of batch) waiting.resolve(claimed.get(key));
  }

  private async runAlone(key: string, waiting: Waiting<Request, Claim>): Promise<void> {
    try {
      const claimed = await this.claimAll(new Map([[key, waiting.request]]));
      waiting.resolve(claimed.get(key));
    } catch (error) {
      waiting.reject(error);
    }
  }
}
