import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Server } from "socket.io";

const FORBIDDEN = "Forbidden";

/**
 * Answers 403 to a WebSocket handshake on the socket path that `admits` refuses, before engine.io
 * sees it. engine.io applies `allowRequest` to both transports but answers a refused upgrade with
 * 400 "Bad request" (only polling gets 403), and docs/REALTIME.md promises 403 for both: a
 * client or proxy that reads the status must not take a foreign Origin for a malformed request.
 *
 * engine.io's own upgrade listener calls `engine.handleUpgrade` only for its path, so wrapping that
 * method covers exactly the socket path. Upgrades of an existing polling session (`sid`) pass the
 * same check: a page from another site has no business upgrading one either.
 */
export function refuseUpgradesWith403(engine: Server["engine"], admits: (req: IncomingMessage) => boolean) {
  const handleUpgrade = engine.handleUpgrade.bind(engine);
  engine.handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (admits(req)) return handleUpgrade(req, socket, head);
    // The refused peer may reset the connection while the answer is on its way.
    socket.on("error", () => undefined);
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${FORBIDDEN.length}\r\n\r\n${FORBIDDEN}`,
      // Not left half-open for a client that never closes its side.
      () => socket.destroy(),
    );
  };
}
