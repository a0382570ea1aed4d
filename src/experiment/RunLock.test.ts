import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockedError, RunLock } from './RunLock.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const tmp = () => scratchDir('supple-lock-');

test('a run folder is locked: a second taker gets an error naming pid, host and start; release frees it', () => {
  const dir = tmp();
  const a = RunLock.acquire(dir);
  const held = JSON.parse(readFileSync(join(dir, 'lock'), 'utf8'));
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, hostname());
  assert.throws(() => RunLock.acquire(dir), (e: Error) => e instanceof LockedError && new RegExp(`in use by process ${process.pid} on ${hostname()} \\(since `).test(e.message));
  a.release();
  assert.ok(!existsSync(join(dir, 'lock')));
  RunLock.acquire(dir).release();
});

test('stale locks are taken over: a dead pid, or a live pid that started later (reused); another host is never guessed', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: 999999999, host: hostname(), startedAt: 'then', processStart: 1 }));
  RunLock.acquire(dir).release();
  writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'then', processStart: -5 }));
  const reused = existsSync('/proc/self/stat');
  if (reused) RunLock.acquire(dir).release();
  writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'then', processStart: null }));
  assert.throws(() => RunLock.acquire(dir), /in use by process 1 on elsewhere/);
});
