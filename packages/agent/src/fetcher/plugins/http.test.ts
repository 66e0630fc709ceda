/**
 * http(s):// through the fetcher against a real local server: downloads with and without a
 * Content-Length, redirects, error statuses, stalls (before and during the body), the size limit,
 * a refused connection, and an https server whose certificate is not trusted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { body, serve, sh, tempDir, testFetcher } from '../testing.ts';

function sandboxIn(root: string, name = 'sandbox'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('http downloads: with a Content-Length, chunked, after redirects; the request asks for no encoding', async (t) => {
  const root = tempDir(t);
  let acceptEncoding: string | undefined;
  const server = await serve(t, {
    '/files/a.txt': (req, res) => {
      acceptEncoding = req.headers['accept-encoding'];
      body('hello over http\n')(req, res);
    },
    '/chunked.bin': (_req, res) => {
      res.writeHead(200);
      res.write('part one, ');
      setTimeout(() => res.end('part two'), 20);
    },
    '/moved': (_req, res) => res.writeHead(302, { location: '/hop' }).end(),
    '/hop': (_req, res) => res.writeHead(301, { location: '/files/a.txt' }).end(),
  });
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  const r = await f.fetchAll([{ value: `${server.url}/files/a.txt` }, { value: `${server.url}/chunked.bin` }, { value: `${server.url}/moved`, output_file: 'via-redirect.txt' }], sandbox);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(readFileSync(join(sandbox, 'a.txt'), 'utf8'), 'hello over http\n');
  assert.equal(readFileSync(join(sandbox, 'chunked.bin'), 'utf8'), 'part one, part two');
  assert.equal(readFileSync(join(sandbox, 'via-redirect.txt'), 'utf8'), 'hello over http\n');
  assert.equal(acceptEncoding, 'identity');
  assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /Redirected to 'http:\/\/127\.0\.0\.1:\d+\/files\/a\.txt'/);
});

test('http failures name the URI and the reason: 404, 500, a redirect loop, a refused connection', async (t) => {
  const root = tempDir(t);
  const server = await serve(t, {
    '/boom': (_req, res) => res.writeHead(500).end('oops'),
    '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
  });
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  const missing = await f.fetchAll([{ value: `${server.url}/nothing.tgz` }], sandbox);
  assert.ok(!missing.ok);
  assert.equal(missing.error, `Failed to fetch '${server.url}/nothing.tgz': received HTTP return code 404 (Not Found)`);
  const boom = await f.fetchAll([{ value: `${server.url}/boom` }], sandbox);
  assert.ok(!boom.ok);
  assert.match(boom.error, /received HTTP return code 500 \(Internal Server Error\)$/);
  const loop = await f.fetchAll([{ value: `${server.url}/loop` }], sandbox);
  assert.ok(!loop.ok);
  assert.match(loop.error, /^Failed to fetch '.*\/loop': fetch failed: .*redirect/i);
  // A port nothing listens on: one this test had and closed.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const refused = await f.fetchAll([{ value: `http://127.0.0.1:${port}/x` }], sandbox);
  assert.ok(!refused.ok);
  assert.match(refused.error, /^Failed to fetch 'http:\/\/127\.0\.0\.1:\d+\/x': fetch failed: ECONNREFUSED$/);
  assert.deepEqual(readdirSync(sandbox), ['stderr']);
});

test('a stalled transfer fails after --fetcher-stall-timeout, before the headers or in the body', async (t) => {
  const root = tempDir(t);
  const server = await serve(t, {
    '/silent': () => undefined,
    '/trickle': (_req, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('only the start');
    },
  });
  const f = testFetcher(root, { stallTimeoutMs: 150 });
  const sandbox = sandboxIn(root);
  for (const path of ['/silent', '/trickle']) {
    const started = Date.now();
    const r = await f.fetchAll([{ value: `${server.url}${path}` }], sandbox);
    assert.ok(!r.ok, path);
    assert.match(r.error, /the transfer stalled: no data for 150ms \(--fetcher-stall-timeout\)$/, path);
    const took = Date.now() - started;
    assert.ok(took >= 140 && took < 2000, `${path} took ${took}ms`);
  }
});

test('the size limit: an announced Content-Length is refused before reading, a chunked body stops at the limit', async (t) => {
  const root = tempDir(t);
  const big = Buffer.alloc(10_000, 'x');
  const server = await serve(t, {
    '/announced': body(big),
    '/streamed': (_req, res) => {
      res.writeHead(200);
      res.end(big);
    },
  });
  const f = testFetcher(root, { maxSize: 4096 });
  const sandbox = sandboxIn(root);
  const announced = await f.fetchAll([{ value: `${server.url}/announced` }], sandbox);
  assert.ok(!announced.ok);
  assert.match(announced.error, /larger than the limit of 4KB \(--fetcher-max-size\): the server announced 10000 bytes$/);
  const streamed = await f.fetchAll([{ value: `${server.url}/streamed` }], sandbox);
  assert.ok(!streamed.ok);
  assert.match(streamed.error, /it is larger than the limit of 4KB \(--fetcher-max-size\)$/);
});

test('https: a server whose certificate is not trusted is refused, saying why', async (t) => {
  const root = tempDir(t);
  const key = join(root, 'key.pem');
  const cert = join(root, 'cert.pem');
  sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1']);
  const server = await serve(t, { '/a.txt': body('secret') }, { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') });
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  const r = await f.fetchAll([{ value: `${server.url}/a.txt` }], sandbox);
  assert.ok(!r.ok);
  assert.match(r.error, /^Failed to fetch 'https:\/\/127\.0\.0\.1:\d+\/a\.txt': fetch failed: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
});
