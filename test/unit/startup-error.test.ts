import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { StartupError, startupStep } from "../../src/startup-error.js";

function listen(port: number, host: string): Promise<ReturnType<typeof createServer>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

describe("startupStep", () => {
  it("names the port variable when the port is taken", async () => {
    const first = await listen(0, "127.0.0.1");
    const address = first.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;

    const failure = await startupStep("IAM_HTTP_PORT", () => listen(port, "127.0.0.1")).catch(
      (error: unknown) => error,
    );
    first.close();

    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as StartupError).message).toBe("IAM_HTTP_PORT: the port is already in use");
  });

  it("blames IAM_HOST when the listen address cannot be resolved", async () => {
    const failure = await startupStep("IAM_RPC_PORT", () =>
      listen(0, "no-such-host.invalid"),
    ).catch((error: unknown) => error);

    expect((failure as StartupError).variable).toBe("IAM_HOST");
    expect((failure as StartupError).message).not.toContain("\n");
  });

  it("keeps the innermost system code of a wrapped failure", async () => {
    const inner = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    const outer = new Error("database unavailable", { cause: inner });

    const failure = await startupStep("DATABASE_URL", async () => {
      throw outer;
    }).catch((error: unknown) => error);

    expect((failure as StartupError).message).toBe(
      "DATABASE_URL: the server refused the connection",
    );
  });
});
