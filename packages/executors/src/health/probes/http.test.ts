import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { httpProbe, MAX_REDIRECTS } from './http.ts';
import { healthVerdict } from '../health-judge.ts';

// A throwaway self-signed certificate (the probe does not verify certificates, as `curl -k`).
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5XCouoiRCclLdJQb
MXKpNxLhXJHpN3/MxBsu6He/c7ihRANCAATK6d//IdwkznRgpmvj6JhgAfTTqPu7
/jawn4hOdTMvvHFxl7ITeTJNL9Vv4Lz99PgukS1IUEiO2WcQZiYKwNXH
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBgTCCASegAwIBAgIUEpc8qooTYXthOsddqzbkwBSJh64wCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKYWdvcmEtdGVzdDAgFw0yNjExMjQwMjI0MDZaGA8yMTI2MTAz
MTAyMjQwNlowFTETMBEGA1UEAwwKYWdvcmEtdGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABMrp3/8h3CTOdGCma+PomGAB9NOo+7v+NrCfiE51My+8cXGXshN5
Mk0v1W/gvP30+C6RLUhQSI7ZZxBmJgrA1cejUzBRMB0GA1UdDgQWBBTwkaoEIezx
/U0NLAhjHt0FJdNiYDAfBgNVHSMEGDAWgBTwkaoEIezx/U0NLAhjHt0FJdNiYDAP
BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIHWFxK04MDkmQBpGDKob
N9QwtB4wpZNy3kVC+DtPQy6wAiEAsm3TFd1hHGnmjVHVYs525rYRT977H5QHqA7C
njQD5Q0=
-----END CERTIFICATE-----`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A real server for one test; closed (every connection too) afterwards. */
async function withServer(handler: Handler, body: (port: number, server: Server) => Promise<void>, tls = false): Promise<void> {
  const server = tls ? createHttpsServer({ key: KEY, cert: CERT }, handler) : createServer(handler);
  const port = await listen(server);
  try {
    await body(port, server);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const connections = (server: Server): Promise<number> => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const probe = (url: string, signal = new AbortController().signal) => httpProbe(url)(signal);

test('200 and 500: the status code is the result; no connection is left open', async () => {
  const seen: string[] = [];
  await withServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.host}`);
    res.statusCode = req.url === '/ok' ? 200 : 500;
    res.end('body');
  }, async (port, server) => {
    const okOutcome = await probe(`http://127.0.0.1:${port}/ok`);
    assert.deepEqual(okOutcome, { ok: true, value: { type: 'HTTP', http: { status_code: 200 } } });
    assert.equal(healthVerdict(okOutcome).ok, true);
    const bad = await probe(`http://127.0.0.1:${port}/broken`);
    assert.deepEqual(bad, { ok: true, value: { type: 'HTTP', http: { status_code: 500 } } });
    assert.equal(healthVerdict(bad).ok, false);
    assert.deepEqual(seen, [`GET /ok 127.0.0.1:${port}`, `GET /broken 127.0.0.1:${port}`]);
    await eventually(async () => (await connections(server)) === 0, 'the connections to close');
  });
});

test('redirects are followed (relative and absolute Locations); the final status counts', async () => {
  await withServer((req, res) => {
    if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
    else if (req.url === '/b') res.writeHead(301, { location: `http://127.0.0.1:${(req.socket.localPort)}/c` }).end();
    else if (req.url === '/c') res.writeHead(307, { location: 'd' }).end();
    else if (req.url === '/d') res.writeHead(200).end('done');
    else res.writeHead(404).end();
  }, async (port) => {
    assert.deepEqual(await probe(`http://127.0.0.1:${port}/a`), { ok: true, value: { type: 'HTTP', http: { status_code: 200 } } });
  });
});

test('a 3xx without a Location is itself the result (healthy: below 400)', async () => {
  await withServer((_req, res) => res.writeHead(304).end(), async (port) => {
    const o = await probe(`http://127.0.0.1:${port}/`);
    assert.deepEqual(o, { ok: true, value: { type: 'HTTP', http: { status_code: 304 } } });
    assert.equal(healthVerdict(o).ok, true);
  });
});

test(`a redirect loop gives up after ${MAX_REDIRECTS} redirects: no result`, async () => {
  let hits = 0;
  await withServer((_req, res) => {
    hits++;
    res.writeHead(302, { location: '/loop' }).end();
  }, async (port) => {
    assert.deepEqual(await probe(`http://127.0.0.1:${port}/loop`), { ok: false, error: `Maximum (${MAX_REDIRECTS}) redirects followed` });
    assert.equal(hits, MAX_REDIRECTS + 1);
  });
});

test('a redirect to another scheme is not followed', async () => {
  await withServer((_req, res) => res.writeHead(302, { location: 'ftp://example.com/' }).end(), async (port) => {
    assert.deepEqual(await probe(`http://127.0.0.1:${port}/`), { ok: false, error: "Refusing to follow a redirect to 'ftp:'" });
  });
});

test('connection refused: no result (an error value), at once', async () => {
  const server = createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  const o = await probe(`http://127.0.0.1:${port}/`);
  assert.equal(o.ok, false);
  assert.match(o.ok ? '' : o.error, /ECONNREFUSED/);
});

test('a server that never answers: the probe ends when aborted, and its connection is closed', async () => {
  await withServer(() => undefined, async (port, server) => {
    const controller = new AbortController();
    const pending = probe(`http://127.0.0.1:${port}/slow`, controller.signal);
    await eventually(async () => (await connections(server)) === 1, 'the request to arrive');
    const t0 = Date.now();
    controller.abort();
    const o = await pending;
    assert.equal(o.ok, false);
    assert.ok(Date.now() - t0 < 500, 'promptly');
    await eventually(async () => (await connections(server)) === 0, 'the server to see the connection closed');
  });
});

test('a body that never ends: no result until aborted (the body is read to its end, as curl reads it)', async () => {
  await withServer((_req, res) => {
    res.writeHead(200);
    res.write('partial');
  }, async (port, server) => {
    const controller = new AbortController();
    let settled = false;
    const pending = probe(`http://127.0.0.1:${port}/`, controller.signal).then((o) => {
      settled = true;
      return o;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false);
    controller.abort();
    assert.equal((await pending).ok, false);
    await eventually(async () => (await connections(server)) === 0, 'the connection to close');
  });
});

test('a connection closed mid-response: no result', async () => {
  await withServer((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('short');
    setTimeout(() => res.socket?.destroy(), 10);
  }, async (port) => {
    const o = await probe(`http://127.0.0.1:${port}/`);
    assert.equal(o.ok, false);
  });
});

test('https: the certificate is not verified (curl -k)', async () => {
  await withServer((_req, res) => res.writeHead(204).end(), async (port) => {
    assert.deepEqual(await probe(`https://127.0.0.1:${port}/secure`), { ok: true, value: { type: 'HTTP', http: { status_code: 204 } } });
  }, true);
});

test('an already aborted signal: nothing is sent', async () => {
  let hits = 0;
  await withServer((_req, res) => {
    hits++;
    res.end();
  }, async (port) => {
    const controller = new AbortController();
    controller.abort();
    assert.equal((await probe(`http://127.0.0.1:${port}/`, controller.signal)).ok, false);
    assert.equal(hits, 0);
  });
});

test('a malformed URL is an error value', async () => {
  assert.deepEqual(await probe('http://127.0.0.1:80health'), { ok: false, error: "Invalid URL 'http://127.0.0.1:80health'" });
});
