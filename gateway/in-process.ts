import { create, type DescMessage, type DescMethodUnary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ContextValues,
  createConnectRouter,
  createContextValues,
  createMethodImplSpec,
  createServiceImplSpec,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";

/** What `createRouterTransport` put in front of every path; handlers see it in `context.url`. */
const BASE_URL = "https://in-memory";

/** The headers a caller may pass, as `Transport` takes them. */
type HeadersInit = Parameters<Transport["unary"]>[3];

/**
 * The reason a call's signal aborts with once the call is over. One shared
 * value: a DOMException made per call captured a stack trace each time.
 */
const CALL_ENDED = new DOMException("the call has ended", "AbortError");

/** A unary implementation with the types erased, as the router keeps it. */
type UnarySpec = Extract<MethodImplSpec, { kind: "unary" }>;

/**
 * A Transport that calls the registered implementations directly: the
 * messages are passed through instead of being serialised and parsed
 * again, and there is no universal handler or HTTP emulation in between.
 * Everything a handler or an interceptor can observe is kept as
 * `createRouterTransport` on the Connect protocol had it:
 *
 * - the interceptors wrap each call in the order given, the first one
 *   outermost, as a router's do;
 * - each call gets fresh context values (the caller's are not passed
 *   on, as no Connect client sends them over the wire), a copy of the
 *   caller's headers (without the wire headers a Connect client adds:
 *   content-type, connect-protocol-version, user-agent and
 *   connect-timeout-ms, whose deadline `timeoutMs()` gives instead),
 *   `protocolName` "connect", `requestMethod` "POST" and the
 *   `https://in-memory/…` URL;
 * - one signal serves the call: it aborts with a `deadline_exceeded`
 *   ConnectError at `timeoutMs`, with the caller's reason when the
 *   caller's signal aborts, and at the end of the call; the caller is
 *   answered at once when it aborts, with the error a Connect client
 *   gives (`deadline_exceeded`, else `canceled`), while the handler runs
 *   on as it would on a server;
 * - a handler's answer goes through `create()`, so the caller gets a
 *   real message even when the handler returned an init shape;
 * - a failure reaches the caller as a new ConnectError with the code,
 *   raw message and details the Connect protocol carries, and as
 *   metadata the response headers, the error's own metadata (such as
 *   `retry-after`) and the response trailers; its `cause` stays behind,
 *   as it does on the wire. A thrown value that is not a ConnectError
 *   becomes `internal` "internal error", as a Connect handler sends it;
 * - an unregistered method answers `unimplemented`, a registered
 *   service's unimplemented method goes through the interceptors and
 *   answers whatever they make of `unimplemented`.
 *
 * Streaming methods are not served: registering an implementation of
 * one throws, and `stream` answers `unimplemented`.
 */
export function createInProcessTransport(
  routes: (router: ConnectRouter) => void,
  interceptors: readonly Interceptor[] = [],
): Transport {
  const methods = new Map<string, UnarySpec>();
  routes(collectingRouter(methods));
  const chain = [...interceptors].reverse();

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: unknown,
      _contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const path = `/${method.parent.typeName}/${method.name}`;
      const spec = methods.get(path);
      if (spec === undefined) {
        const error = new ConnectError(
          `RouterHttpClient: no handler registered for ${path}`,
          Code.Unimplemented,
        );
        return Promise.reject(
          signal?.aborted ? ConnectError.from(signal.reason, Code.Canceled) : error,
        );
      }
      const deadline = timeoutMs === undefined || timeoutMs <= 0 ? undefined : timeoutMs;
      const call = new Call(signal, deadline);
      return call.answer(
        invoke(spec, chain, call, path, header, create(spec.method.input, input as never)),
      ) as Promise<UnaryResponse<I, O>>;
    },

    stream(method) {
      return Promise.reject(
        new ConnectError(
          `${method.parent.typeName}.${method.name} is a streaming method, ` +
            "which the in-process transport does not carry",
          Code.Unimplemented,
        ),
      );
    },
  };
}

/**
 * Collects unary implementations by path. `handlers` is a real Connect
 * router's, so that code reading it (the health service lists the
 * services by it) sees the services registered here.
 */
function collectingRouter(methods: Map<string, UnarySpec>): ConnectRouter {
  const handlersRouter = createConnectRouter({ grpc: false, grpcWeb: false });
  const add = (spec: MethodImplSpec, implemented: boolean) => {
    if (spec.kind !== "unary") {
      if (!implemented) return;
      throw new Error(
        `${spec.method.parent.typeName}.${spec.method.name} is a streaming method; ` +
          "the in-process transport carries unary calls only",
      );
    }
    methods.set(`/${spec.method.parent.typeName}/${spec.method.name}`, spec);
  };
  const router: ConnectRouter = {
    get handlers() {
      return handlersRouter.handlers;
    },
    service(service, implementation, options) {
      const spec = createServiceImplSpec(service, implementation);
      const impl = implementation as Record<string, unknown>;
      for (const method of service.methods) {
        const methodSpec = spec.methods[method.localName];
        if (methodSpec !== undefined) {
          add(methodSpec, typeof impl[method.localName] === "function");
        }
      }
      handlersRouter.service(service, implementation, options);
      return router;
    },
    rpc(method, impl, options) {
      add(createMethodImplSpec(method, impl), true);
      handlersRouter.rpc(method, impl, options);
      return router;
    },
  };
  return router;
}

/** One call's signal: the caller's, the deadline and the end of the call in one. */
class Call {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  /** When the deadline passes, in `Date.now()` terms. */
  readonly deadlineAt: number | undefined;
  private settled = false;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ) {
    if (timeoutMs !== undefined) {
      this.deadlineAt = Date.now() + timeoutMs;
      this.timer = setTimeout(this.onDeadline, timeoutMs);
    }
    if (callerSignal !== undefined) {
      if (callerSignal.aborted) this.controller.abort(callerSignal.reason);
      else callerSignal.addEventListener("abort", this.onCallerAbort);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * The caller's promise: the handler's outcome, unless the signal
   * aborts first. After it, the signal is aborted, as a Connect server
   * aborts a handler's once the call is over.
   */
  answer<T>(outcome: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const signal = this.controller.signal;
      const onAbort = () => {
        if (this.settled) return;
        this.settled = true;
        this.release();
        reject(ConnectError.from(signal.reason, Code.Canceled));
      };
      if (signal.aborted) {
        onAbort();
      } else {
        signal.addEventListener("abort", onAbort);
      }
      outcome.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          if (this.settled) return;
          this.settled = true;
          this.release();
          this.controller.abort(CALL_ENDED);
          resolve(value);
        },
        (thrown: unknown) => {
          signal.removeEventListener("abort", onAbort);
          if (this.settled) return;
          this.settled = true;
          this.release();
          if (thrown instanceof HandlerFailure) {
            this.controller.abort(thrown.reason);
            reject(thrown.error);
          } else {
            // Thrown before the handler was reached (headers that are not
            // valid): the caller gets it as it was, as from a Connect client.
            this.controller.abort(thrown);
            reject(thrown);
          }
        },
      );
    });
  }

  private readonly onDeadline = () => {
    this.controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
  };

  private readonly onCallerAbort = () => {
    this.controller.abort(this.callerSignal?.reason);
  };

  private release(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener("abort", this.onCallerAbort);
  }
}

/**
 * A failure on its way back: what the handler threw, which its signal
 * aborts with, and the error as a Connect client decodes it from the wire.
 */
class HandlerFailure {
  constructor(
    readonly reason: unknown,
    readonly error: ConnectError,
  ) {}
}

/**
 * Runs one call through the interceptors to the implementation, as a
 * Connect handler does (`invokeUnaryImplementation`), and turns a
 * failure into what its caller would decode from the wire.
 */
async function invoke(
  spec: UnarySpec,
  chain: readonly Interceptor[],
  call: Call,
  path: string,
  header: HeadersInit | undefined,
  input: UnaryRequest["message"],
): Promise<UnaryResponse> {
  const method = spec.method;
  const service = method.parent;
  const deadlineAt = call.deadlineAt;
  const context: HandlerContext = {
    method,
    service,
    signal: call.signal,
    timeoutMs: deadlineAt === undefined ? () => undefined : () => deadlineAt - Date.now(),
    requestMethod: "POST",
    requestHeader: new Headers(header),
    responseHeader: new Headers(),
    responseTrailer: new Headers(),
    protocolName: "connect",
    values: createContextValues(),
    url: BASE_URL + path,
  };

  let next = async (req: UnaryRequest): Promise<UnaryResponse> => {
    const output = await spec.impl(req.message, {
      ...context,
      service: req.service,
      requestHeader: req.header,
      signal: req.signal,
      values: req.contextValues,
    });
    return {
      stream: false,
      service,
      method,
      header: context.responseHeader,
      message: create(method.output, output),
      trailer: context.responseTrailer,
    };
  };
  for (const interceptor of chain) {
    next = interceptor(next as Parameters<Interceptor>[0]) as typeof next;
  }

  try {
    const response = await next({
      stream: false,
      service,
      method,
      requestMethod: context.requestMethod,
      url: context.url,
      signal: context.signal,
      header: context.requestHeader,
      contextValues: context.values,
      message: input,
    });
    copyHeaders(response.header, context.responseHeader);
    copyHeaders(response.trailer, context.responseTrailer);
    return {
      stream: false,
      service,
      method,
      header: context.responseHeader,
      message: response.message,
      trailer: context.responseTrailer,
    };
  } catch (thrown) {
    throw new HandlerFailure(thrown, wireError(thrown, context));
  }
}

/**
 * The error a Connect client decodes from a handler's failure: code, raw
 * message and details; the response headers, the error's metadata and
 * the trailers as metadata; no cause.
 */
function wireError(thrown: unknown, context: HandlerContext): ConnectError {
  const error =
    thrown instanceof ConnectError
      ? thrown
      : new ConnectError("internal error", Code.Internal, undefined, undefined, thrown);
  const metadata = new Headers(context.responseHeader);
  error.metadata.forEach((value, key) => {
    metadata.set(key, value);
  });
  context.responseTrailer.forEach((value, key) => {
    metadata.append(key, value);
  });
  const decoded = new ConnectError(error.rawMessage, error.code, metadata);
  decoded.details.push(...error.details);
  return decoded;
}

/** Replaces `to`'s entries with `from`'s, as a Connect handler does with an interceptor's. */
function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  for (const key of [...to.keys()]) to.delete(key);
  from.forEach((value, key) => {
    to.set(key, value);
  });
}
