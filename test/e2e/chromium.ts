import { existsSync } from "node:fs";

/** Debian's Chromium: Playwright's own browser download cannot work on our offline machines. */
export const chromiumPath = () => process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const hasChromium = () => existsSync(chromiumPath());

export function chromiumLaunchOptions() {
  return {
    executablePath: chromiumPath(),
    // Without the background-networking flags Chromium floods a closed network with refused
    // connections at every start.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  };
}
