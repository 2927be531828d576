import type { ForecastPanelProps } from "~/components/ForecastPanel";
import type { SessionUser } from "~/models/session.server";
import { AGGREGATION_METHODS, DEFAULT_AGGREGATION_METHOD, type AggregationMethod } from "~/domain/aggregation";
import { crowdHiddenNote, crowdHiddenReason, type CrowdHiddenReason } from "~/domain/crowd-visibility";
import { getCurrentAggregates, listAggregateHistory, listChartHistory, type AggregateHistoryPoint, type AggregateView } from "~/models/aggregate.server";
import { listBaselineRevisions, listBaselineRevisionsOf, type BaselineRevisionView } from "~/models/baseline.server";
import { listUserForecasts, listUserForecastsOf, type ViewerForecast } from "~/models/forecast.server";
import { getQuestionForForecasting, getQuestionsForForecasting, type QuestionForForecasting } from "~/models/question.server";

/**
 * Everything a reader may see of one question, assembled once for the question page, the article
 * page and the JSON API, so that none of them can reveal a hidden crowd the others would not.
 */
export interface QuestionView {
  question: QuestionForForecasting & { acceptingForecasts: boolean };
  baseline: { current: number[] | null; revisions: BaselineRevisionView[] };
  crowd:
    | { visible: true; version: number; method: AggregationMethod; aggregate: AggregateView; history: readonly AggregateHistoryPoint[] }
    | { visible: false; hiddenBecause: CrowdHiddenReason; version: number };
  viewer: { forecasts: ViewerForecast[]; latest: ViewerForecast | null; current: boolean } | null;
  /** When the crowd or the baseline last changed (the question's creation before either). */
  updatedAt: Date;
}

/** A chart has a few hundred pixels across; more points than this only cost bytes (Metaculus keeps about 400 per view). */
const HISTORY_POINTS = 400;

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
  const view = (await loadQuestionViews([questionId], viewer, options)).get(questionId);
  if (!view) return null;
  if (view.crowd.visible && options.withHistory !== false) {
    view.crowd.history = await listChartHistory(questionId, view.crowd.version, HISTORY_POINTS);
  }
  return view;
}

/**
 * Views of several questions (without crowd history) in a fixed handful of queries, whatever
 * their number: an article page shows every question it holds. Unknown and draft questions are
 * left out.
 */
export async function loadQuestionViews(
  questionIds: readonly string[],
  viewer: SessionUser | null,
  options: { method?: AggregationMethod; now?: Date } = {},
): Promise<Map<string, QuestionView>> {
  const [questions, revisionsOf, forecastsOf, aggregates] = await Promise.all([
    getQuestionsForForecasting(questionIds),
    listBaselineRevisionsOf(questionIds),
    viewer ? listUserForecastsOf(questionIds, viewer.id) : Promise.resolve(null),
    getCurrentAggregates(questionIds, options.method),
  ]);
  const now = options.now ?? new Date();
  const views = new Map<string, QuestionView>();
  for (const questionId of questionIds) {
    const question = questions.get(questionId);
    const current = aggregates.get(questionId);
    // Questions of unpublished articles are drafts: they do not exist for readers.
    if (!question || !question.article.published || !current) continue;
    const revisions = revisionsOf.get(questionId) ?? [];
    const forecasts = forecastsOf?.get(questionId) ?? null;
    const latest = forecasts?.at(-1) ?? null;
    const hiddenBecause = crowdHiddenReasonFor(question, viewer, forecasts);
    views.set(questionId, {
      question: { ...question, acceptingForecasts: acceptsForecasts(question, now) },
      baseline: { current: revisions.at(-1)?.probabilities ?? null, revisions },
      crowd: hiddenBecause
        ? { visible: false, hiddenBecause, version: current.version }
        : { visible: true, version: current.version, method: current.method, aggregate: current.aggregate, history: [] },
      viewer: forecasts ? { forecasts, latest, current: latest !== null && latest.withdrawnAt === null } : null,
      updatedAt: latestOf([current.at, revisions.at(-1)?.at ?? null]) ?? question.createdAt,
    });
  }
  return views;
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
