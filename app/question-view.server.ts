import type { ForecastPanelProps } from "~/components/ForecastPanel";
import type { SessionUser } from "~/models/session.server";
import { AGGREGATION_METHODS, DEFAULT_AGGREGATION_METHOD, type AggregationMethod } from "~/domain/aggregation";
import { crowdHiddenNote, crowdHiddenReason, type CrowdHiddenReason } from "~/domain/crowd-visibility";
import { getCurrentAggregate, latestAggregateAt, listAggregateHistory, type AggregateHistoryPoint, type AggregateView } from "~/models/aggregate.server";
import { listBaselineRevisions, type BaselineRevisionView } from "~/models/baseline.server";
import { listUserForecasts, type ViewerForecast } from "~/models/forecast.server";
import { getQuestionForForecasting, type QuestionForForecasting } from "~/models/question.server";

/**
 * Everything a reader may see of one question, assembled once for the question page, the article
 * page and the JSON API, so that none of them can reveal a hidden crowd the others would not.
 */
export interface QuestionView {
  question: QuestionForForecasting & { acceptingForecasts: boolean };
  baseline: { current: number[] | null; revisions: BaselineRevisionView[] };
  crowd:
    | { visible: true; version: number; method: AggregationMethod; aggregate: AggregateView; history: AggregateHistoryPoint[] }
    | { visible: false; hiddenBecause: CrowdHiddenReason; version: number };
  viewer: { forecasts: ViewerForecast[]; latest: ViewerForecast | null; current: boolean } | null;
  /** When the crowd or the baseline last changed (the question's creation before either). */
  updatedAt: Date;
}

/** A chart has a few hundred pixels across; more points than this only cost bytes. */
const HISTORY_POINTS = 600;

export function parseAggregationMethod(raw: string | null | undefined): AggregationMethod {
  return AGGREGATION_METHODS.find((method) => method === raw) ?? DEFAULT_AGGREGATION_METHOD;
}

export function acceptsForecasts(question: Pick<QuestionForForecasting, "status" | "closesAt">, now: Date): boolean {
  return question.status === "open" && (question.closesAt === null || question.closesAt > now);
}

export async function loadQuestionView(
  questionId: string,
  viewer: SessionUser | null,
  options: { method?: AggregationMethod; withHistory?: boolean; now?: Date } = {},
): Promise<QuestionView | null> {
  const question = await getQuestionForForecasting(questionId);
  // Questions of unpublished articles are drafts: they do not exist for readers.
  if (!question || !question.article.published) return null;
  const [revisions, forecasts, aggregates, aggregateAt] = await Promise.all([
    listBaselineRevisions(questionId),
    viewer ? listUserForecasts(questionId, viewer.id) : Promise.resolve(null),
    getCurrentAggregate(questionId, options.method),
    latestAggregateAt(questionId),
  ]);
  if (!aggregates) return null;
  const latest = forecasts?.at(-1) ?? null;
  const hiddenBecause = crowdHiddenReasonFor(question, viewer, forecasts);
  const { version, method } = aggregates;
  let crowd: QuestionView["crowd"];
  if (hiddenBecause) {
    crowd = { visible: false, hiddenBecause, version };
  } else {
    const history = options.withHistory === false ? [] : await listAggregateHistory(questionId, { maxPoints: HISTORY_POINTS });
    crowd = { visible: true, version, method, aggregate: aggregates.aggregate, history };
  }
  return {
    question: { ...question, acceptingForecasts: acceptsForecasts(question, options.now ?? new Date()) },
    baseline: { current: revisions.at(-1)?.probabilities ?? null, revisions },
    crowd,
    viewer: forecasts ? { forecasts, latest, current: latest !== null && latest.withdrawnAt === null } : null,
    updatedAt: latestOf([aggregateAt, revisions.at(-1)?.at ?? null]) ?? question.createdAt,
  };
}

const latestOf = (dates: (Date | null)[]) =>
  dates.reduce<Date | null>((latest, date) => (date && (!latest || date > latest) ? date : latest), null);

function crowdHiddenReasonFor(question: QuestionForForecasting, viewer: SessionUser | null, forecasts: ViewerForecast[] | null) {
  return crowdHiddenReason({
    revealCrowd: question.revealCrowd,
    viewer: viewer ? { hideCrowdUntilForecast: viewer.hideCrowdUntilForecast, hasForecast: (forecasts?.length ?? 0) > 0 } : null,
  });
}

export interface QuestionHistory {
  questionId: string;
  scenarios: { id: string; title: string }[];
  crowdHiddenBecause: CrowdHiddenReason | null;
  crowd: AggregateHistoryPoint[];
  baseline: BaselineRevisionView[];
}

/** The whole stored history, for export; the crowd's part only for viewers who may see it. */
export async function loadQuestionHistory(questionId: string, viewer: SessionUser | null): Promise<QuestionHistory | null> {
  const question = await getQuestionForForecasting(questionId);
  if (!question || !question.article.published) return null;
  const forecasts = viewer ? await listUserForecasts(questionId, viewer.id) : null;
  const crowdHiddenBecause = crowdHiddenReasonFor(question, viewer, forecasts);
  const [crowd, baseline] = await Promise.all([
    crowdHiddenBecause ? Promise.resolve([]) : listAggregateHistory(questionId),
    listBaselineRevisions(questionId),
  ]);
  return { questionId, scenarios: question.scenarios, crowdHiddenBecause, crowd, baseline };
}

/** What ForecastPanel shows, from a view: the same for the question page and the article page. */
export function forecastPanelPropsOf(view: QuestionView, signedIn: boolean): Omit<ForecastPanelProps, "headingLevel" | "crowdControls"> {
  const { question, baseline, crowd, viewer } = view;
  const latest = viewer?.latest ?? null;
  return {
    question: { id: question.id, title: question.title, kind: question.kind, acceptingForecasts: question.acceptingForecasts },
    scenarios: question.scenarios,
    baseline: baseline.current,
    crowd: crowd.visible && crowd.aggregate.count > 0 ? pickCrowd(crowd.aggregate) : null,
    crowdHiddenNote: crowd.visible ? null : crowdHiddenNote(crowd.hiddenBecause, signedIn),
    viewer: {
      signedIn,
      latest: latest && { at: latest.at, probabilities: latest.probabilities, rationale: latest.rationale, withdrawn: latest.withdrawnAt !== null },
    },
  };
}

const pickCrowd = ({ centers, lower, upper, count }: AggregateView) => ({ centers, lower, upper, count });
