/** One REST answer: status, parsed JSON body (or null) and headers. */
export interface RestAnswer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
  readonly body: any;
  readonly headers: Headers;
}

/** POSTs JSON (or a raw string) to the gateway and reads the answer. */
export async function post(baseUrl: string, path: string, body?: unknown): Promise<RestAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : JSON.parse(text),
    headers: response.headers,
  };
}

/** GETs a gateway path and reads the JSON answer. */
export async function get(baseUrl: string, path: string): Promise<RestAnswer> {
  const response = await fetch(`${baseUrl}${path}`);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the ping answers plain text); keep the text.
  }
  return { status: response.status, body, headers: response.headers };
}

/** Expects a documented failure and answers it for further checks. */
export function failureOf(answer: RestAnswer): { status: number; code: string } {
  return { status: answer.status, code: answer.body?.failure_code };
}
