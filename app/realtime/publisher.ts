import type { CommentView } from "~/domain/comment";
import type { Aggregate } from "./contract";

/**
 * How Remix actions reach the socket layer. server/index.ts creates the one implementation and
 * hands it over through `getLoadContext`: a module singleton would not be shared with the Remix
 * build, which is a separate module graph.
 */
export interface RealtimePublisher {
  /**
   * A committed change to a question's crowd. `forecasterUserId` is who saved: on a question that
   * hides the crowd until one forecasts, their sockets may see it from now on. `changes` is the
   * number of saves and withdrawals this version holds.
   */
  publishAggregate(update: {
    questionId: string;
    version: number;
    aggregate: Aggregate;
    changes: number;
    revealCrowd: "always" | "after_forecast";
    forecasterUserId: string;
  }): void;
  /**
   * A comment as an anonymous reader sees it, after its change committed. Forecasts in it reach
   * only sockets allowed to see the question's crowd (decision 010); the others get it without.
   */
  publishComment(update: { questionId: string; comment: CommentView }): void;
}
