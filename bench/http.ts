import http from "node:http";

/** A status and a parsed JSON body. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * A minimal JSON client over keep-alive HTTP/1.1 connections: cheaper per
 * request than fetch, so the load generator takes little of the CPU it
 * shares with the service.
 */
export class JsonClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, connections: number) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  /** POSTs `payload` as JSON to `path`. */
  post(path: string, payload: unknown = {}): Promise<JsonAnswer> {
    return this.request("POST", path, JSON.stringify(payload));
  }

  get(path: string): Promise<JsonAnswer> {
    return this.request("GET", path, undefined);
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, body: string | undefined): Promise<JsonAnswer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { accept: "application/json" };
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const req = http.request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            try {
              resolve({ status: res.statusCode ?? 0, body: text === "" ? {} : JSON.parse(text) });
            } catch {
              reject(
                new Error(`${method} ${path}: ${res.statusCode} with a body that is not JSON`),
              );
            }
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
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
