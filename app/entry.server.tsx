import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type AppLoadContext, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "~/components/Nonce";

// With single fetch, Remix rejects loader promises still pending after this long (it replaces
// RemixServer's abortDelay).
export const streamTimeout = 5_000;
// Later than streamTimeout, so React still has time to stream the rejected boundaries' fallbacks.
const ABORT_DELAY = streamTimeout + 1_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // Set by server/security-headers.ts and named in this response's Content-Security-Policy;
  // inline scripts without it would be refused.
  const nonce = loadContext.cspNonce;
  // Crawlers (and SPA mode) need the whole document at once; browsers get the shell early.
  const waitForAll = isbot(request.headers.get("user-agent")) || remixContext.isSpaMode;

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const timeout = setTimeout(() => stream.abort(), ABORT_DELAY);
    const respond = () => {
      shellRendered = true;
      const body = new PassThrough();
      responseHeaders.set("Content-Type", "text/html");
      resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
      stream.pipe(body);
    };

    const stream = renderToPipeableStream(
      <NonceProvider nonce={nonce}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </NonceProvider>,
      {
        nonce,
        onShellReady() {
          if (!waitForAll) respond();
        },
        onAllReady() {
          clearTimeout(timeout);
          if (waitForAll) respond();
        },
        onShellError(error: unknown) {
          clearTimeout(timeout);
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Shell errors reject above and Remix logs them; only errors after the shell are ours to log.
          if (shellRendered) console.error(error);
        },
      },
    );
  });
}
