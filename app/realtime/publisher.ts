import type { Aggregate } from "./contract";

/**
 * How Remix actions reach the socket layer. server/index.ts creates the one implementation and
 * hands it over through `getLoadContext`: a module singleton would not be shared with the Remix
 * build, which is a separate module graph.
 */
export interface RealtimePublisher {
  publishAggregate(questionId: string, version: number, aggregate: Aggregate): void;
}
