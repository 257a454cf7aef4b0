// lib/header-proxy.mjs — a loopback HTTP proxy in front of witnessd that adds
// response headers (a Content-Security-Policy, say) and passes WebSocket
// upgrades through untouched.
//
// Why not Playwright's page.route()? A response it fulfils has no network
// address, so Chromium's Local Network Access checks treat the page as public
// and block its WebSocket to 127.0.0.1. Behind this proxy the page comes from
// a real loopback address, as it would from witnessd itself.
import http from 'node:http';
import net from 'node:net';

/** Starts the proxy. Resolves with {url, close()}. */
export async function startHeaderProxy(target, extraHeaders) {
  const to = new URL(target);
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, { ...up.headers, ...extraHeaders });
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });

  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(Number(to.port), to.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      }
      upstream.write(`${raw}\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });

  await new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', res);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
    },
  };
}
