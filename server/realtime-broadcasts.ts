import type { Logger } from "pino";
import { BROADCAST_WINDOW_MS, type AggregateEvent } from "~/realtime/contract";
import type { RealtimePublisher } from "~/realtime/publisher";
import { WindowedCoalescer, type Timers } from "./realtime-coalescer";
import { crowdRoom, questionRoom, userRoom } from "./realtime-rooms";
import type { CrowdlineIo, CrowdlineSocket, CrowdMessage, RevealCrowd } from "./realtime-types";
import { whoSeesCrowd, type Viewer } from "./realtime-visibility";

export type PublishedUpdate = Parameters<RealtimePublisher["publishAggregate"]>[0];

interface CrowdRoomState {
  /** The `revealCrowd` its members were admitted under; a message saying otherwise re-checks them first. */
  policy: RevealCrowd;
  /** The newest aggregate sent to this room on this instance: a join ack never shows an older one. */
  latest: AggregateEvent | undefined;
  /** Messages held while members are re-checked against a changed policy; undefined when none runs. */
  held: CrowdMessage[] | undefined;
}

/** Newer version wins; changes add up; every forecaster is kept, since each may now see the crowd. */
function fold(pending: CrowdMessage, next: CrowdMessage): CrowdMessage {
  const newer = next.version > pending.version ? next : pending;
  const forecasterIds = pending.forecasterIds;
  for (const id of next.forecasterIds) if (!forecasterIds.includes(id)) forecasterIds.push(id);
  return { ...newer, changes: pending.changes + next.changes, forecasterIds };
}

export const viewerOf = (socket: CrowdlineSocket): Viewer =>
  socket.data.userId ? { userId: socket.data.userId, hideCrowdUntilForecast: socket.data.hideCrowdUntilForecast ?? false } : null;

/**
 * Aggregates, from the action that committed them to the sockets allowed to see them.
 *
 * Sending side (`publish`): per question at most one message per BROADCAST_WINDOW_MS, the first
 * at once, the rest folded into one at the window's end; reports of a version already sent (every
 * forecast of one group commit reports it) add nothing but their forecaster. `fanOut` hands each
 * message to every instance, this one included.
 *
 * Receiving side (`deliver`, on every instance): the forecasters' sockets on the question join
 * its crowd room first, then the room gets the message unless this instance already sent it as
 * new a version. Only `question:<id>:crowd` hears aggregates; who may be in it is decision 010.
 */
export class CrowdBroadcasts {
  private readonly outgoing: WindowedCoalescer<string, CrowdMessage>;
  private readonly rooms = new Map<string, CrowdRoomState>();

  constructor(
    private readonly options: {
      io: CrowdlineIo;
      logger: Logger;
      fanOut(message: CrowdMessage): void;
      windowMs?: number;
      timers?: Timers;
    },
  ) {
    this.outgoing = new WindowedCoalescer({
      windowMs: options.windowMs ?? BROADCAST_WINDOW_MS,
      timers: options.timers,
      send: (_questionId, message) => options.fanOut(message),
      fold,
    });
  }

  publish(update: PublishedUpdate): void {
    const { questionId, version, aggregate, changes, revealCrowd, forecasterUserId } = update;
    const waiting = this.outgoing.latest(questionId);
    if (waiting && version <= waiting.version) {
      if (waiting.forecasterIds.includes(forecasterUserId)) return;
      this.outgoing.offer(questionId, { ...waiting, changes: 0, forecasterIds: [forecasterUserId] });
      return;
    }
    this.outgoing.offer(questionId, { questionId, version, aggregate, changes, revealCrowd, forecasterIds: [forecasterUserId] });
  }

  deliver(message: CrowdMessage): void {
    const state = this.rooms.get(message.questionId);
    if (state?.held) {
      state.held.push(message);
      return;
    }
    if (state && state.policy !== message.revealCrowd) {
      // An author changed who may see this crowd: members admitted under the old rule are checked
      // again before anything more reaches them.
      state.held = [message];
      void this.recheckMembers(message.questionId, message.revealCrowd)
        .then(() => {
          // The room may have emptied (and its state gone) meanwhile: deliver against whatever is current.
          const held = state.held ?? [];
          state.held = undefined;
          for (const next of held) this.deliver(next);
        })
        // Nothing awaits this chain: a failure must be logged here, not left as an unhandled rejection.
        .catch((error: unknown) => this.options.logger.error({ err: error, questionId: message.questionId }, "delivering held aggregates failed"));
      return;
    }
    this.deliverNow(message);
  }

  /** Puts a joining socket in the crowd room or keeps it out, as decided for it. */
  admit(socket: CrowdlineSocket, questionId: string, revealCrowd: RevealCrowd, visible: boolean): void {
    if (!visible) {
      void socket.leave(crowdRoom(questionId));
      return;
    }
    void socket.join(crowdRoom(questionId));
    if (!this.rooms.has(questionId)) this.rooms.set(questionId, { policy: revealCrowd, latest: undefined, held: undefined });
  }

  private isWatched(questionId: string): boolean {
    return this.options.io.sockets.adapter.rooms.has(crowdRoom(questionId));
  }

  /**
   * The question's crowd-room bookkeeping on this instance, as an opaque token: while the same
   * token stands, every aggregate delivered here is reflected in `latest()`; a different one (or
   * none) means some may have passed unrecorded.
   */
  watchToken(questionId: string): object | undefined {
    return this.rooms.get(questionId);
  }

  latest(questionId: string): AggregateEvent | undefined {
    return this.rooms.get(questionId)?.latest;
  }

  /** The crowd room emptied on this instance. */
  forget(questionId: string): void {
    this.rooms.delete(questionId);
  }

  /** Questions with crowd-room state on this instance, and questions with a window open (leak checks). */
  get tracked(): { crowdRooms: number; broadcastWindows: number } {
    return { crowdRooms: this.rooms.size, broadcastWindows: this.outgoing.size };
  }

  close(): void {
    this.outgoing.clear();
    this.rooms.clear();
  }

  private deliverNow(message: CrowdMessage) {
    const { questionId, version, aggregate, changes } = message;
    const revealed = this.revealTo(message);
    const state = this.rooms.get(questionId);
    if (!state) return;
    if (version > (state.latest?.version ?? 0)) {
      // A message that only reveals (no changes) repeats a version its room members already
      // have; it still counts as the newest seen here. A reveal's change is the forecaster's save.
      state.latest = { questionId, version, aggregate, changes: Math.max(changes, 1) };
      if (changes > 0) {
        this.options.io.local.to(crowdRoom(questionId)).emit("question:aggregate", state.latest);
        return;
      }
    }
    // Nothing new for the room, but a forecaster's other tabs see the crowd for the first time.
    for (const socket of revealed) socket.emit("question:aggregate", state.latest!);
  }

  /** The forecasters' sockets watching the question without seeing its crowd join the crowd room. */
  private revealTo(message: CrowdMessage): CrowdlineSocket[] {
    const { io } = this.options;
    const revealed: CrowdlineSocket[] = [];
    const watching = questionRoom(message.questionId);
    const crowd = crowdRoom(message.questionId);
    for (const userId of message.forecasterIds) {
      for (const socketId of io.sockets.adapter.rooms.get(userRoom(userId)) ?? []) {
        const socket = io.sockets.sockets.get(socketId);
        if (!socket || !socket.rooms.has(watching) || socket.rooms.has(crowd)) continue;
        revealed.push(socket);
      }
    }
    for (const socket of revealed) this.admit(socket, message.questionId, message.revealCrowd, true);
    return revealed;
  }

  private async recheckMembers(questionId: string, revealCrowd: RevealCrowd): Promise<void> {
    const { io } = this.options;
    const members = [...(io.sockets.adapter.rooms.get(questionRoom(questionId)) ?? [])]
      .map((socketId) => io.sockets.sockets.get(socketId))
      .filter((socket): socket is CrowdlineSocket => socket !== undefined);
    let visible: boolean[];
    try {
      visible = await whoSeesCrowd(questionId, revealCrowd, members.map(viewerOf));
    } catch (error) {
      // Fail closed: without an answer nobody is shown the crowd; a re-join asks again.
      this.options.logger.error({ err: (error as Error).message, questionId }, "could not re-check who sees the crowd");
      visible = members.map(() => false);
    }
    members.forEach((socket, index) => {
      if (!socket.connected) return;
      if (visible[index]) void socket.join(crowdRoom(questionId));
      else void socket.leave(crowdRoom(questionId));
    });
    const state = this.rooms.get(questionId);
    if (state) state.policy = revealCrowd;
    else if (this.isWatched(questionId)) this.rooms.set(questionId, { policy: revealCrowd, latest: undefined, held: undefined });
  }
}
