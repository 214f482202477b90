/**
 * The sign-in floor: a bare node:http server that reads a JSON body and
 * checks its `password` against one stored hash with the service's own
 * `verifyPassword`, and nothing else: no flow, no lockout, no stores, no
 * RPC layer. What any HTTP service that checks a password per request
 * could reach on this machine; the sign-in pair measures it beside the
 * service (bench/signin-pair.ts). It prints its port on stdout once ready.
 */
import http from "node:http";
import { hashPassword, verifyPassword } from "../src/identity/password-hash.js";

/** The password the one hash is made of; the bench sends the same (bench/floor.ts). */
const PASSWORD = process.env.BENCH_FLOOR_PASSWORD ?? "";

const MAX_BODY_BYTES = 64 * 1024;

async function main(): Promise<void> {
  const stored = await hashPassword(PASSWORD);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      void answer(stored, Buffer.concat(chunks).toString("utf8"), res);
    });
  });

  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ port })}\n`);
  });
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}

async function answer(stored: string, text: string, res: http.ServerResponse): Promise<void> {
  let password = "";
  try {
    const body = JSON.parse(text) as { password?: unknown };
    if (typeof body.password === "string") password = body.password;
  } catch {
    // A body that is not JSON checks the empty password, which fails.
  }

  const right = await verifyPassword(stored, password);

  const reply = JSON.stringify({ right });
  res.writeHead(right ? 200 : 401, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(reply),
  });
  res.end(reply);
}

await main();
