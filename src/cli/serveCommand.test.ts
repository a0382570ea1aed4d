import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));

/** Starts `supple serve` and resolves with what it printed once it printed the dashboard's URL. */
function serve(args: string[]): Promise<{ child: ReturnType<typeof spawn>; stdout: string; stderr: string; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  return new Promise((ok, bad) => {
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      const url = /dashboard: +(http\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes('Ctrl-C')) ok({ child, stdout, stderr, url });
    });
    child.on('exit', (code) => bad(new Error(`supple serve exited (${code}) before printing its URL: ${stdout}${stderr}`)));
  });
}

test('supple serve: --port 0 takes a free port and prints the URL; loopback by default; Ctrl-C stops it', async (t) => {
  const d = scratchDir('supple-serve-cli-');
  t.after(() => removeScratchDir(d));
  const s = await serve([d, '--port', '0']);
  t.after(() => s.child.kill('SIGKILL'));
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(s.stderr, '', 'no warning on loopback');
  const res = await fetch(`${s.url}api/runs`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), []);
  const exited = new Promise((ok) => s.child.on('exit', ok));
  s.child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('supple serve --host 0.0.0.0 warns that the runs are exposed', async (t) => {
  const d = scratchDir('supple-serve-cli-');
  t.after(() => removeScratchDir(d));
  const s = await serve([d, '--port', '0', '--host', '0.0.0.0']);
  t.after(() => s.child.kill('SIGKILL'));
  assert.match(s.stderr, /warning: --host 0\.0\.0\.0: .*anyone who can reach this machine/);
  s.child.kill('SIGINT');
});

test('supple serve rejects a bad port and missing folders, naming them', () => {
  const bad = spawnSync(process.execPath, [cli, 'serve', '--port', '70000'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port 70000 is not allowed: give an integer from 0/);
  const missing = spawnSync(process.execPath, [cli, 'serve', '/no/such/folder', '--port', '0'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such folder: \/no\/such\/folder/);
  const help = spawnSync(process.execPath, [cli, 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--host ADDR/);
});
