import { randomBytes } from "node:crypto";

/**
 * Forecast ids that sort in the order this process wrote them. Every forecast of one group commit
 * shares one `createdAt`, and the recency-weighted aggregate depends on the order of forecasts, so
 * reloading a question's forecasts sorted by (createdAt, id) must give back exactly the order in
 * which the in-memory aggregate saw them.
 */
let lastMillis = 0;
let counter = 0;
const instanceTag = randomBytes(4).toString("hex");

export function nextForecastId(now: number = Date.now()): string {
  if (now > lastMillis) {
    lastMillis = now;
    counter = 0;
  } else {
    counter += 1;
  }
  // Fixed widths keep lexicographic order equal to numeric order.
  return `f${lastMillis.toString(36).padStart(9, "0")}${counter.toString(36).padStart(5, "0")}${instanceTag}`;
}
