import { type JsonClient, okField } from "./http.js";
import { closedLoop, type LoadResult } from "./load.js";

/**
 * Refresh rotations through the gateway: each worker owns one session and
 * keeps trading its latest refresh token for the next (a token works
 * once, so workers never share one). The chains carry on from one run to
 * the next. A failed rotation ends its worker's chain and is reported.
 */
export class RotationChains {
  private readonly latest: string[];

  /** @param firstTokens one unused refresh token per worker, each of its own session */
  constructor(
    private readonly client: JsonClient,
    firstTokens: readonly string[],
  ) {
    this.latest = [...firstTokens];
  }

  get workers(): number {
    return this.latest.length;
  }

  /** One closed-loop run of every chain. */
  run(warmupSeconds: number, seconds: number): Promise<LoadResult> {
    return closedLoop({
      workers: this.latest.length,
      warmupSeconds,
      seconds,
      step: async (worker) => {
        const answer = await this.client.post("/recovery/refresh/access", {
          refresh_token: this.latest[worker],
        });
        this.latest[worker] = okField("recovery/refresh/access", answer, "refresh_token");
      },
    });
  }
}
