// Helpers of the cluster tests: a real redis-server on a free loopback port, a TCP proxy that can cut the
// connection, and the CLI as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
export const env = { ...process.env, SUPPLE_OFFLINE: '1', SUPPLE_THREADS: '1' };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const supple = (args: string[], cwd?: string) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, ...(cwd ? { cwd } : {}) });

/** Why redis-server cannot be used here, or null. */
export function redisMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error ? `redis-server is not installed (${(r.error as NodeJS.ErrnoException).code}); apt-get install redis-server` : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  /** The URL with the password, if one was set. */
  readonly url: string;
  stop(): Promise<void>;
}

/** A fresh redis-server (no persistence) on a free loopback port, ready for connections. */
export async function startRedis(password?: string): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const t0 = Date.now();
  while (!/Ready to accept connections/.test(out)) {
    if (child.exitCode !== null || Date.now() - t0 > 15000) throw new Error(`redis-server did not start: ${out}`);
    await sleep(20);
  }
  return {
    port,
    url: `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}/0`,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.on('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** A TCP proxy to a local port whose connections can be cut (refused) for a while: a network outage. */
export class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number, private readonly target: number) {}

  static async start(target: number): Promise<CuttableProxy> {
    const p = new CuttableProxy(await freePort(), target);
    await p.listen();
    return p;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server = createServer((client) => {
        const upstream = connect(this.target, '127.0.0.1');
        for (const s of [client, upstream]) {
          this.sockets.add(s);
          s.on('close', () => this.sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** Drop every connection and refuse new ones for `ms`, then accept again. */
  async cut(ms: number): Promise<void> {
    await new Promise<void>((r) => {
      this.server!.close(() => r());
      for (const s of this.sockets) s.destroy();
    });
    await sleep(ms);
    await this.listen();
  }

  close(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
  }
}

/** Tasks recorded in a run folder so far. */
export const tasksIn = (out: string) => (existsSync(join(out, 'metrics.jsonl')) ? (readFileSync(join(out, 'metrics.jsonl'), 'utf8').match(/online\/accuracy/g) ?? []).length : 0);

export const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('exit', (code) => r(code))));

/** Wait until `ok()`, failing after `ms`. */
export async function until(ok: () => boolean, ms = 120000, what = 'a condition'): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A process of the CLI whose output is collected. */
export function start(args: string[], extraEnv: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}
