import { crowdHiddenReason } from "~/domain/crowd-visibility";
import { forecastersAmong, hasForecastOn } from "~/models/forecast.server";
import type { RevealCrowd } from "./realtime-types";

/** A signed-in socket's side of decision 010; null for anonymous sockets. */
export type Viewer = { userId: string; hideCrowdUntilForecast: boolean } | null;

// app/domain/crowd-visibility.ts decides; the database is asked only about viewers for whom the
// answer depends on whether they have forecast, so anonymous readers of an ordinary question cost
// nothing.
const visibleBeforeForecasting = (revealCrowd: RevealCrowd, viewer: Viewer) =>
  crowdHiddenReason({ revealCrowd, viewer: viewer && { hideCrowdUntilForecast: viewer.hideCrowdUntilForecast, hasForecast: false } }) === null;

export async function seesCrowd(questionId: string, revealCrowd: RevealCrowd, viewer: Viewer): Promise<boolean> {
  if (visibleBeforeForecasting(revealCrowd, viewer)) return true;
  return viewer !== null && hasForecastOn(questionId, viewer.userId);
}

/** The same for every socket of a room, in one query. */
export async function whoSeesCrowd(questionId: string, revealCrowd: RevealCrowd, viewers: readonly Viewer[]): Promise<boolean[]> {
  const visible = viewers.map((viewer) => visibleBeforeForecasting(revealCrowd, viewer));
  const toAsk = viewers.flatMap((viewer, index) => (viewer && !visible[index] ? [viewer.userId] : []));
  const forecasters = await forecastersAmong(questionId, toAsk);
  return viewers.map((viewer, index) => visible[index]! || (viewer !== null && forecasters.has(viewer.userId)));
}
