import type { DescMethodServerStreaming } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type InProcessOptions, inProcessTransport } from "../../../gateway/transport.js";
import { Health } from "../../../src/gen/grpc/health/v1/health_pb.js";
import { RecoveryService } from "../../../src/gen/iam/v1/recovery_pb.js";
import { RegistrationService } from "../../../src/gen/iam/v1/registration_pb.js";
import { clientAddressKey, requestIdKey } from "../../../src/rpc/context.js";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import {
  affirmation,
  handlerSignals,
  outcome,
  probeRoutes,
  scenarios,
} from "./in-process-scenarios.js";
import { routerTransport } from "./router-transport.js";
import { logger, SLOW } from "./support.js";

/**
 * The in-process transport calls the handlers directly. These tests pin
 * that it behaves as Connect's router transport on the Connect protocol,
 * which the gateway used before: every scenario runs on both, and the
 * outcomes must be equal (and as documented).
 */

describe.each([
  ["the in-process transport", inProcessTransport],
  ["the router transport (reference)", routerTransport],
])("%s", (_name, make) => {
  const transport = make(probeRoutes, {
    interceptors: rpcInterceptors(logger),
    trustedProxies: ["127.0.0.0/8"],
    readiness: async () => true,
  });

  it.each(scenarios)("answers %s", async (_scenario, run, expected) => {
    expect(await run(transport)).toMatchObject(expected);
  });
});

describe("the in-process transport against the router transport", () => {
  const options: InProcessOptions = {
    interceptors: rpcInterceptors(logger),
    trustedProxies: ["127.0.0.0/8"],
    readiness: async () => true,
  };
  const direct = inProcessTransport(probeRoutes, options);
  const reference = routerTransport(probeRoutes, options);

  it.each(scenarios)("gives the same outcome for %s", async (_scenario, run) => {
    const [ours, theirs] = await Promise.all([run(direct), run(reference)]);
    expect(ours).toEqual(theirs);
  });

  it("runs the request context first, then the interceptors in order, on both", async () => {
    const record = (log: string[], name: string): Interceptor => {
      return (next) => async (req) => {
        log.push(`${name} in: ${req.contextValues.get(requestIdKey)}`);
        try {
          return await next(req);
        } finally {
          log.push(`${name} out: ${req.signal.aborted}`);
        }
      };
    };
    const logs: string[][] = [];
    for (const make of [inProcessTransport, routerTransport]) {
      const log: string[] = [];
      const transport = make(probeRoutes, {
        interceptors: [record(log, "a"), ...rpcInterceptors(logger), record(log, "b")],
      });
      await transport.unary(
        RegistrationService.method.init,
        undefined,
        1_000,
        {
          "x-request-id": "trace-1",
        },
        {},
      );
      logs.push(log);
    }
    expect(logs[0]).toEqual(["a in: trace-1", "b in: trace-1", "b out: false", "a out: false"]);
    expect(logs[0]).toEqual(logs[1]);
  });

  it("aborts the handler's signal at the deadline and once the call is over, on both", async () => {
    const reasons: unknown[] = [];
    for (const transport of [direct, reference]) {
      handlerSignals.length = 0;
      await transport.unary(RecoveryService.method.resend, undefined, 1_000, {}, { token: "t" });
      const finished = handlerSignals.at(-1);
      expect(finished?.aborted).toBe(true);

      const failed = await outcome(
        transport.unary(RecoveryService.method.resend, undefined, 50, {}, { token: SLOW }),
      );
      expect(failed).toMatchObject({ ok: false, code: "DeadlineExceeded" });
      const late = handlerSignals.at(-1);
      expect(late?.aborted).toBe(true);
      reasons.push(ConnectError.from(late?.reason).code);
    }
    expect(reasons).toEqual([Code.DeadlineExceeded, Code.DeadlineExceeded]);
  });

  it("answers the caller at the deadline without waiting for the handler", async () => {
    const started = performance.now();
    const failed = await outcome(
      direct.unary(
        RegistrationService.method.completeAffirmation,
        undefined,
        50,
        {},
        {
          value: SLOW,
        },
      ),
    );
    expect(failed).toMatchObject({ code: "DeadlineExceeded" });
    expect(performance.now() - started).toBeLessThan(250);
  });

  it("does not pass the caller's context values on, as a Connect client does not", async () => {
    const values = (await import("@connectrpc/connect")).createContextValues();
    values.set(clientAddressKey, "192.0.2.1");
    const answers = [];
    for (const transport of [direct, reference]) {
      const response = await transport.unary(
        RegistrationService.method.initAffirmation,
        undefined,
        1_000,
        {},
        affirmation,
        values,
      );
      answers.push(response.message.mask);
    }
    expect(answers).toEqual(["unknown", "unknown"]);
  });
});

/** No service of the API streams; a made-up streaming method stands in. */
const WATCH = {
  ...Health.method.check,
  name: "Watch",
  localName: "watch",
  methodKind: "server_streaming",
} as unknown as DescMethodServerStreaming;

describe("streaming in process", () => {
  it("refuses to register a streaming implementation", () => {
    expect(() =>
      inProcessTransport((router) => {
        router.rpc(WATCH, async function* () {});
      }),
    ).toThrow(/Watch is a streaming method/);
  });

  it("answers a streaming call with unimplemented", async () => {
    const transport = inProcessTransport(probeRoutes, { readiness: async () => true });
    const call = transport.stream(
      WATCH,
      undefined,
      1_000,
      {},
      (async function* () {
        yield { service: "" };
      })(),
    );
    await expect(call).rejects.toMatchObject({ code: Code.Unimplemented });
  });
});
