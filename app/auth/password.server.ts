import { type Algorithm, hash, verify } from "@node-rs/argon2";

// `Algorithm` is a const enum, which esbuild cannot inline from a declaration file: 2 is Argon2id.
const ARGON2ID = 2 as Algorithm.Argon2id;

// OWASP's argon2id floor (19 MiB, 2 passes, 1 lane): ~50 ms per hash on our 2-core machines.
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

let decoyHash: Promise<string> | undefined;

/**
 * A hash no password matches, verified when there is no real one to check, so that "no such
 * user" and "wrong password" cost the same time and cannot be told apart.
 */
function getDecoyHash(): Promise<string> {
  decoyHash ??= hash(`decoy-${crypto.randomUUID()}`, ARGON2_OPTIONS);
  return decoyHash;
}

const ARGON2_HASH = /^\$argon2(id|i|d)\$/;

/**
 * Whether `password` matches `storedHash`. Accounts that cannot log in (the seed author's "!",
 * a deleted account) and missing accounts (`null`) still pay for one full verification.
 */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  const usable = storedHash !== null && ARGON2_HASH.test(storedHash);
  try {
    const matches = await verify(usable ? storedHash : await getDecoyHash(), password);
    return usable && matches;
  } catch {
    return false;
  }
}

/** Starts the decoy hash at start-up so that the first failed login is not the slow one. */
export function warmUpPasswordHashing(): void {
  void getDecoyHash();
}
