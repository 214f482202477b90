import net from "node:net";
import { describe, expect, it } from "vitest";
import { startGateway } from "../../../gateway/server.js";
import { inProcessTransport } from "../../../gateway/transport.js";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import { logger, testRoutes } from "./support.js";

/** Sends `text` and reads everything until the gateway closes the connection. */
function exchange(port: number, text: string) {
  return new Promise<{ answer: string; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("close", () => resolve({ answer, ms: performance.now() - started }));
    socket.on("error", reject);
  });
}

async function withGateway(run: (port: number) => Promise<void>) {
  const gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    transport: inProcessTransport(testRoutes, { interceptors: rpcInterceptors(logger) }),
    logger,
    trustedProxies: [],
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
  });
  try {
    await run(gateway.port);
  } finally {
    await gateway.close();
  }
}

describe("the gateway's slow-client timeouts", () => {
  it("answers late headers with 408 soon after the header timeout", async () => {
    await withGateway(async (port) => {
      const { answer, ms } = await exchange(
        port,
        "POST /registration/init HTTP/1.1\r\nHost: a\r\n",
      );
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"failure_message":"the request took too long to arrive"');
      expect(answer).not.toContain("not valid HTTP");
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1_500);
    });
  });

  it("answers a late body with 408 soon after the request timeout", async () => {
    await withGateway(async (port) => {
      const { answer, ms } = await exchange(
        port,
        "POST /registration/init HTTP/1.1\r\nHost: a\r\ncontent-length: 10\r\n\r\n{",
      );
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain("took too long");
      expect(ms).toBeGreaterThanOrEqual(550);
      expect(ms).toBeLessThan(2_000);
    });
  });
});
