import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkQueueUrl, redactIn, redactUrl } from './redisUrl.js';

test('credentials of a Redis URL are hidden in what is printed', () => {
  assert.equal(redactUrl('redis://:s3cret@db.lab:6380/2'), 'redis://:***@db.lab:6380/2');
  assert.equal(redactUrl('rediss://alice:s3cret@db.lab/0'), 'rediss://***:***@db.lab/0');
  assert.equal(redactUrl('redis://127.0.0.1:6379/0'), 'redis://127.0.0.1:6379/0');
  assert.equal(redactUrl('not a url s3cret'), '<redis url>');
  const msg = redactIn('connect ECONNREFUSED for redis://alice:s3cret@db.lab/0 (auth s3cret)', 'redis://alice:s3cret@db.lab/0');
  assert.doesNotMatch(msg, /s3cret/);
  assert.match(msg, /db\.lab/);
});

test('queue URLs: redis:// and rediss:// with a numeric database; others are refused without echoing the password', () => {
  assert.equal(checkQueueUrl('redis://localhost:6379/0'), 'redis://localhost:6379/0');
  assert.equal(checkQueueUrl('rediss://:pw@h'), 'rediss://:pw@h');
  assert.throws(() => checkQueueUrl('http://:topsecret@h/0'), (e: Error) => /protocol http: is not allowed/.test(e.message) && !/topsecret/.test(e.message));
  assert.throws(() => checkQueueUrl('redis://h/x'), /database 'x' is not allowed/);
});
