import { z } from "zod";

const probabilityVector = z.array(z.number().min(0).max(1)).min(1);

/** Probability vectors are stored as JSON text in scenario order; anything else is corrupt data. */
export function parseProbabilityVector(stored: string): number[] {
  return probabilityVector.parse(JSON.parse(stored));
}
