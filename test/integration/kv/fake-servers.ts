import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * Loopback stand-ins for a broken Redis, for tests of how the store fails.
 * Each listens on 127.0.0.1 only and is closed by the test that made it.
 */

/** A port on 127.0.0.1 where nothing listens: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = await listen(createServer());
  const port = portOf(server);
  await closeServer(server);
  return port;
}

/** A server that accepts connections and never answers: a hung Redis. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = await listen(
    createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    }),
  );

  return {
    port: portOf(server),
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await closeServer(server);
    },
  };
}

/** A TCP relay to a real Redis that can be cut (an outage) and restored on the same port. */
export interface Relay {
  readonly port: number;
  /** Drops every connection and stops listening. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 to the Redis at `target` (a `redis://` URL). */
export async function startRelay(target: string): Promise<Relay> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const server = createServer((inbound) => {
    const outbound = connect({ host: hostname, port: Number(targetPort || 6379) });
    track(inbound);
    track(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  await listen(server);
  const port = portOf(server);

  return {
    port,
    cut: async () => {
      const closed = closeServer(server);
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
    restore: async () => {
      await listen(server, port);
    },
  };
}

function listen(server: Server, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("server has no TCP address");
  }
  return address.port;
}
