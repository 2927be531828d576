import { createContext, useContext, type ReactNode } from "react";

// "" outside the server render: once the page has loaded, its inline scripts have run, and
// browsers hide a nonce attribute's value from the DOM anyway, so hydration compares "" with "".
const NonceContext = createContext("");

/** Hands the request's CSP nonce (server/security-headers.ts) to the components that render inline scripts. */
export function NonceProvider({ nonce, children }: { nonce: string; children: ReactNode }) {
  return <NonceContext.Provider value={nonce}>{children}</NonceContext.Provider>;
}

export function useNonce(): string {
  return useContext(NonceContext);
}
