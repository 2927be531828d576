import { connect } from "node:net";

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, as received. */
  raw: string;
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the blank line) over a plain TCP
 * socket, exactly as written — fetch() and node:http refuse or rewrite odd Host headers — and
 * reads the answer until the server closes the connection or, for a 101, until the head is in.
 * Bodies are read as sent (`Connection: close` in `head` gives a whole one; no chunked decoding).
 */
export function rawRequest(port: number, head: string, body = ""): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const raw = Buffer.concat(chunks).toString("latin1");
      const split = raw.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no complete response head: ${JSON.stringify(raw)}`));
      const [statusLine, ...lines] = raw.slice(0, split).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]), headers, body: raw.slice(split + 4), raw });
    };
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      // A switched protocol stays open: its head is all there is to read.
      if (/^HTTP\/1\.1 101 /.test(Buffer.concat(chunks).toString("latin1")) && Buffer.concat(chunks).includes("\r\n\r\n")) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", (error) => {
      if (!settled && chunks.length === 0) {
        settled = true;
        reject(error);
      } else finish();
    });
    socket.write(`${head}\r\n\r\n${body}`);
  });
}
