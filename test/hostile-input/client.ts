// Sends hostile requests and times the whole answer (headers and body): a reply that starts at
// once but streams 30 MB is as slow for the server as one that starts late.
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import type { CookieMode, HostileRequest, OriginMode } from "./cases";

export interface Answer {
  /** 0 when there was no answer (refused connection, reset, timeout): see `error`. */
  status: number;
  ms: number;
  body: string;
  bytes: number;
  error?: string;
}

export interface Credentials {
  cookieName: string;
  /** The session token of the case's role; null for anonymous. */
  token: string | null;
}

function originHeaders(mode: OriginMode, origin: string, path: string): Record<string, string> {
  switch (mode) {
    case "same":
      return { Origin: origin };
    case "foreign":
      return { Origin: "https://evil.example" };
    case "null":
      return { Origin: "null" };
    case "same-referer":
      return { Referer: `${origin}${path}` };
    case "foreign-referer":
      return { Referer: `https://evil.example${path}` };
    case "absent":
      return {};
  }
}

function cookieHeader(mode: CookieMode, credentials: Credentials): string | null {
  const valid = credentials.token ? `${credentials.cookieName}=${credentials.token}` : null;
  switch (mode) {
    case "role":
      return valid;
    case "none":
      return null;
    case "garbage":
      return `${credentials.cookieName}=${"z".repeat(32)}; other=${"%".repeat(100)}`;
    case "doubled":
      return [`${credentials.cookieName}=${"a".repeat(32)}`, valid].filter(Boolean).join("; ");
  }
}

/**
 * One request on a connection of its own, with node:http rather than fetch: the server answers
 * some posts before reading their body (a 403 for a foreign Origin, a 302 to the login page), and
 * fetch's connection pool then now and then stalls or fails the next request on that connection,
 * which would be the client's fault reported as the server's.
 */
export function send(origin: string, request: HostileRequest, credentials: Credentials, timeoutMs: number): Promise<Answer> {
  const headers: Record<string, string> = { ...originHeaders(request.origin, origin, request.path) };
  if (request.contentType !== null) headers["Content-Type"] = request.contentType;
  const cookie = cookieHeader(request.cookie, credentials);
  if (cookie) headers.Cookie = cookie;
  const withBody = request.method !== "GET" && request.method !== "HEAD";
  if (withBody) headers["Content-Length"] = String(request.body.length);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<Answer, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outgoing.destroy();
      agent.destroy();
      resolve({ ...answer, ms: performance.now() - started });
    };
    let answering = false;
    // Keep-alive, as browsers send forms: a server that answers before reading a body (413 for a
    // declared length over the cap) then reads and drops the rest, so the whole body goes out and
    // the answer is read. With `Connection: close` the server closes at once, and writing the rest
    // of the body fails before the answer can be parsed (EPIPE), as no browser would see it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const outgoing = httpRequest(`${origin}${request.path}`, { method: request.method, headers, agent }, (response) => {
      answering = true;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const bytes = Buffer.concat(chunks);
        finish({ status: response.statusCode ?? 0, body: bytes.toString("utf8"), bytes: bytes.length });
      });
      response.on("error", (error) => finish({ status: 0, body: "", bytes: 0, error: `the answer broke off: ${error.message}` }));
    });
    const timer = setTimeout(() => finish({ status: 0, body: "", bytes: 0, error: `no complete answer within ${timeoutMs} ms` }), timeoutMs);
    // Writing the rest of a body the server has already answered may fail (EPIPE, ECONNRESET):
    // that is no failure of the answer, which is read above; it is one when nothing came back.
    // An answer already under way is read to its end; otherwise one may still be in flight.
    outgoing.on("error", (error) => {
      if (answering) return;
      setTimeout(() => {
        if (!answering) finish({ status: 0, body: "", bytes: 0, error: `${error.message} (${(error as NodeJS.ErrnoException).code ?? "no code"})` });
      }, 100);
    });
    outgoing.end(withBody ? request.body : undefined);
  });
}

/**
 * Writes `head` (request line and headers, exactly as given) to a fresh connection and returns the
 * status of the answer: fetch would refuse or normalise the malformed headers we want to send.
 */
export function sendRaw(port: number, head: string, timeoutMs: number): Promise<{ status: number; ms: number; text: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(head.split("\r\n").slice(0, 3))}`));
    }, timeoutMs);
    socket.on("connect", () => socket.write(head, "latin1"));
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    const done = () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1] ?? 0);
      resolve({ status, ms: performance.now() - started, text: received });
    };
    socket.on("end", done);
    socket.on("error", (error) => {
      // A reset after a complete answer still answers.
      if (/^HTTP\/1\.[01] \d{3}/.test(received)) return done();
      clearTimeout(timer);
      reject(error);
    });
  });
}
