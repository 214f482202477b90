import { HttpConnection, type RawAnswer } from "./http-connection.js";

/** A status and a parsed JSON body. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * A JSON client over at most `connections` keep-alive HTTP/1.1
 * connections (bench/http-connection.ts), opened as they are needed; a
 * request waits for a free one. A connection that failed is dropped.
 */
export class JsonClient {
  private readonly host: string;
  private readonly port: number;
  private readonly idle: HttpConnection[] = [];
  private readonly queue: ((connection: HttpConnection | undefined) => void)[] = [];
  private opened = 0;
  private closed = false;

  constructor(
    baseUrl: string,
    private readonly connections: number,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  /** POSTs `payload` as JSON to `path`. */
  post(path: string, payload: unknown = {}): Promise<JsonAnswer> {
    return this.request("POST", path, JSON.stringify(payload));
  }

  get(path: string): Promise<JsonAnswer> {
    return this.request("GET", path, undefined);
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
    for (const waiter of this.queue.splice(0)) waiter(undefined);
  }

  private async request(method: string, path: string, body: string | undefined) {
    const connection = await this.acquire();
    let answer: RawAnswer;
    try {
      answer = await connection.send(method, path, body);
    } finally {
      this.release(connection);
    }

    try {
      return { status: answer.status, body: answer.text === "" ? {} : JSON.parse(answer.text) };
    } catch {
      throw new Error(`${method} ${path}: ${answer.status} with a body that is not JSON`);
    }
  }

  private async acquire(): Promise<HttpConnection> {
    if (this.closed) throw new Error("the client is closed");
    // The server closes keep-alive connections that stayed idle too long.
    for (let idle = this.idle.pop(); idle; idle = this.idle.pop()) {
      if (idle.usable) return idle;
      idle.destroy();
      this.opened -= 1;
    }
    if (this.opened < this.connections) {
      this.opened += 1;
      try {
        return await HttpConnection.open(this.host, this.port);
      } catch (error) {
        this.opened -= 1;
        throw error;
      }
    }
    const waited = await new Promise<HttpConnection | undefined>((resolve) =>
      this.queue.push(resolve),
    );
    if (waited === undefined) throw new Error("the client is closed");
    return waited;
  }

  private release(connection: HttpConnection): void {
    if (!connection.usable || this.closed) {
      connection.destroy();
      this.opened -= 1;
      const waiter = this.queue.shift();
      // A waiter gets a fresh connection of its own instead.
      if (waiter) this.acquire().then(waiter, () => waiter(undefined));
      return;
    }
    const waiter = this.queue.shift();
    if (waiter) waiter(connection);
    else this.idle.push(connection);
  }
}

/**
 * The string field `name` of a 200 answer; anything else throws, naming
 * the call and the failure body.
 */
export function okField(what: string, answer: JsonAnswer, name: string): string {
  const value = answer.body[name];
  if (answer.status !== 200 || typeof value !== "string") {
    throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return value;
}
