import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { JsonClient } from "./http.js";
import { stopChild } from "./service.js";

/** The password the floor server's hash is made of, and the one the bench sends. */
const PASSWORD = "a bench passphrase nobody would choose";

const SERVER = fileURLToPath(new URL("floor-server.ts", import.meta.url));

/** The floor server (bench/floor-server.ts) running as a child process. */
export interface RunningFloor {
  readonly pid: number;
  /** POSTs one right password; throws unless it is accepted. */
  checkPassword(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the floor server in a process of its own, with the bench's libuv
 * pool size (the service's), and waits until it prints its port.
 */
export async function startFloor(connections: number): Promise<RunningFloor> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
    env: { ...process.env, BENCH_FLOOR_PASSWORD: PASSWORD },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit").then(() => undefined);
  const [line] = (await Promise.race([
    once(child.stdout, "data"),
    exited.then(() => {
      throw new Error("the floor server exited during start-up");
    }),
  ])) as [Buffer];
  const { port } = JSON.parse(line.toString("utf8")) as { port: number };
  const client = new JsonClient(`http://127.0.0.1:${port}`, connections);

  return {
    pid: child.pid ?? 0,
    checkPassword: async () => {
      const answer = await client.post("/", { password: PASSWORD });
      if (answer.status !== 200) throw new Error(`the floor server answered ${answer.status}`);
    },
    stop: async () => {
      client.close();
      await stopChild(child, exited);
    },
  };
}
