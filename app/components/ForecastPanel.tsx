import { Link, useActionData, useFetcher, useLocation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { toDisplayPercentages } from "~/domain/display-percentages";
import type { Aggregate } from "~/realtime/contract";
import { highlightClass, useChangeHighlight } from "./LiveIndicator";
import { ProbabilityInputs } from "./ProbabilityInputs";
import { scenarioColor } from "./scenario-colors";

/**
 * The figures and the forecast form of one question, on its own page and inline in its article.
 * It posts to the question's route through a fetcher, so the page it sits on stays put and
 * revalidates; without JavaScript the same form posts to the question page.
 */

export interface ForecastPanelCrowd {
  centers: number[];
  lower: number[];
  upper: number[];
  count: number;
}

export interface ForecastPanelProps {
  question: { id: string; title: string; kind: "scenarios" | "binary"; acceptingForecasts: boolean };
  scenarios: { id: string; title: string }[];
  baseline: number[] | null;
  /** Null when the viewer may not see the crowd yet (`crowdHiddenNote` says why) or nobody has forecast. */
  crowd: ForecastPanelCrowd | null;
  crowdHiddenNote: string | null;
  viewer: { signedIn: boolean; latest: { at: Date; probabilities: number[]; rationale: string | null; withdrawn: boolean } | null };
  /** Heading level of the panel's own title, so it nests under the page's headings. */
  headingLevel?: 2 | 3;
  /** Extra controls beside the crowd's figures (the method switch on the question page). */
  crowdControls?: React.ReactNode;
  /**
   * For a live panel (whose `crowd` follows the socket, see panelCrowdOf): called when the reader
   * interacts with the panel or saves, which counts as having seen the latest figures.
   */
  onCrowdSeen?: () => void;
}

/** What the panel shows of an aggregate: nothing once every forecast has been withdrawn. */
export function panelCrowdOf(aggregate: Aggregate | null): ForecastPanelCrowd | null {
  if (!aggregate || aggregate.count === 0) return null;
  const { centers, lower, upper, count } = aggregate;
  return { centers, lower, upper, count };
}

export interface ForecastActionData {
  ok: boolean;
  intent: "save" | "withdraw";
  /** Field name -> messages; "" holds messages about the whole form. */
  errors?: Record<string, string[] | null>;
  /** The percentages as posted, so that a refused form comes back as the reader left it. */
  submitted?: number[];
  savedAt?: string;
  /** The saved forecast (a save only), which "Did a comment change your mind?" credits. */
  forecastId?: string | null;
}

const percent = (value: number) => `${Math.round(value * 1000) / 10} %`;
const wholePercent = (value: number) => `${Math.round(value * 100)} %`;
const timeFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

export function ForecastPanel({ question, scenarios, baseline, crowd, crowdHiddenNote, viewer, headingLevel = 2, crowdControls, onCrowdSeen }: ForecastPanelProps) {
  const saveFetcher = useFetcher<ForecastActionData>({ key: `forecast-save-${question.id}` });
  const withdrawFetcher = useFetcher<ForecastActionData>({ key: `forecast-withdraw-${question.id}` });
  const location = useLocation();
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const binary = question.kind === "binary";
  const shown = binary ? scenarios.slice(0, 1) : scenarios;
  const latest = viewer.latest && !viewer.latest.withdrawn ? viewer.latest : null;
  const displayLatest = latest ? toDisplayPercentages(latest.probabilities) : null;
  // Without JavaScript the form posts to the question page itself, whose action data this is.
  const pageAction = useActionData<ForecastActionData>();
  const saveResult = saveFetcher.data ?? (pageAction?.intent === "save" ? pageAction : undefined);
  const withdrawResult = withdrawFetcher.data ?? (pageAction?.intent === "withdraw" ? pageAction : undefined);
  const saveErrors = saveResult && !saveResult.ok ? saveResult.errors : undefined;
  const withdrawErrors = withdrawResult && !withdrawResult.ok ? withdrawResult.errors : undefined;
  const saving = saveFetcher.state !== "idle";
  const [announcement, setAnnouncement] = useState<string | null>(null);

  useEffect(() => {
    if (saveFetcher.state === "idle" && saveFetcher.data?.ok && saveFetcher.data.savedAt) {
      setAnnouncement(`Forecast saved at ${timeFormat.format(new Date(saveFetcher.data.savedAt))} UTC.`);
      // The reader's own forecast arrived over the socket too; it is not news to them.
      onCrowdSeen?.();
    }
  }, [saveFetcher.state, saveFetcher.data, onCrowdSeen]);
  useEffect(() => {
    if (withdrawFetcher.state === "idle" && withdrawFetcher.data?.ok) setAnnouncement("Forecast withdrawn: it no longer counts in the crowd.");
  }, [withdrawFetcher.state, withdrawFetcher.data]);

  // Any interaction with the panel counts as having looked at the new figures.
  const sectionRef = useRef<HTMLElement>(null);
  useEffect(() => {
    const section = sectionRef.current;
    if (!section || !onCrowdSeen) return;
    section.addEventListener("pointerdown", onCrowdSeen);
    section.addEventListener("keydown", onCrowdSeen);
    return () => {
      section.removeEventListener("pointerdown", onCrowdSeen);
      section.removeEventListener("keydown", onCrowdSeen);
    };
  }, [onCrowdSeen]);
  const countHighlighted = useChangeHighlight(crowd ? String(crowd.count) : "");

  const action = `/questions/${question.id}`;
  const loginHref = `/login?${new URLSearchParams({ redirectTo: `${location.pathname}${location.search}` })}`;

  return (
    <section
      ref={sectionRef}
      aria-labelledby={`forecast-${question.id}`}
      className="rounded-xl border border-stone-200 bg-white p-5 shadow-sm dark:border-stone-800 dark:bg-stone-900 sm:p-6"
      data-testid="forecast-panel"
    >
      <Heading id={`forecast-${question.id}`} className="font-serif text-xl font-bold">
        What’s your probability?
      </Heading>

      <div className="mt-4 overflow-x-auto">
        <table className="w-full min-w-[20rem] text-left text-sm" data-testid="crowd-figures">
          <caption className="sr-only">Author’s baseline, the crowd and your forecast for “{question.title}”</caption>
          <thead className="text-xs uppercase tracking-wider text-stone-500 dark:text-stone-400">
            <tr>
              <th scope="col" className="py-2 pr-3 font-semibold">{binary ? "Claim" : "Scenario"}</th>
              <th scope="col" className="px-2 py-2 text-right font-semibold">Author</th>
              <th scope="col" className="px-2 py-2 text-right font-semibold">Crowd</th>
              <th scope="col" className="px-2 py-2 text-right font-semibold">
                <abbr title="Half of the crowd's forecasts fall in this range (25th to 75th percentile)" className="no-underline">Middle half</abbr>
              </th>
              <th scope="col" className="py-2 pl-2 text-right font-semibold">You</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-stone-100 dark:divide-stone-800">
            {shown.map((scenario, index) => (
              <tr key={scenario.id} data-testid="scenario-figures">
                <th scope="row" className="py-2 pr-3 font-medium">
                  <span className="inline-flex items-center gap-2">
                    <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${scenarioColor(index).bg}`} aria-hidden="true" />
                    {binary ? "Yes" : scenario.title}
                  </span>
                </th>
                <td className="px-2 py-2 text-right tabular-nums" data-testid="baseline-figure">{baseline ? wholePercent(baseline[index] ?? 0) : "—"}</td>
                <CrowdCell testId="crowd-figure" className="font-semibold">
                  {crowd ? percent(crowd.centers[index] ?? 0) : "—"}
                </CrowdCell>
                <CrowdCell testId="crowd-band" className="text-stone-600 dark:text-stone-300">
                  {crowd ? `${percent(crowd.lower[index] ?? 0)}–${percent(crowd.upper[index] ?? 0)}` : "—"}
                </CrowdCell>
                <td className="py-2 pl-2 text-right tabular-nums" data-testid="own-figure">{displayLatest ? `${displayLatest[index]} %` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="mt-2 flex flex-wrap items-center justify-between gap-2 text-sm text-stone-500 dark:text-stone-400">
        <p data-testid="crowd-count" className={`rounded px-0.5 ${crowdHiddenNote ? "" : highlightClass(countHighlighted)}`}>
          {crowdHiddenNote ??
            (crowd && crowd.count > 0 ? `${crowd.count.toLocaleString("en")} ${crowd.count === 1 ? "forecaster" : "forecasters"}` : "No forecasts yet — be the first.")}
        </p>
        {crowdControls}
      </div>
      {latest && (
        <p className="mt-1 text-sm text-stone-500 dark:text-stone-400">
          Your last forecast: <time dateTime={latest.at.toISOString()}>{timeFormat.format(latest.at)} UTC</time>
        </p>
      )}

      <p role="status" className="mt-3 min-h-[1.25rem] text-sm font-medium text-emerald-700 dark:text-emerald-400">
        {announcement}
      </p>

      {!viewer.signedIn ? (
        <p className="mt-2">
          <Link to={loginHref} className="font-medium text-accent-700 underline dark:text-accent-300">
            Log in to forecast
          </Link>{" "}
          <span className="text-stone-500 dark:text-stone-400">
            or <Link to={`/signup?${new URLSearchParams({ redirectTo: `${location.pathname}${location.search}` })}`} className="underline">create an account</Link>.
          </span>
        </p>
      ) : !question.acceptingForecasts ? (
        <p className="mt-2 rounded-md bg-stone-100 px-4 py-3 text-sm dark:bg-stone-800">Forecasting on this question is closed.</p>
      ) : (
        <>
          <saveFetcher.Form method="post" action={action} className="mt-2 space-y-4" aria-label={`Your forecast for “${question.title}”`}>
            <input type="hidden" name="intent" value="save" />
            {saveErrors?.[""] && (
              <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                {saveErrors[""].map((message) => <p key={message}>{message}</p>)}
              </div>
            )}
            <ProbabilityInputs
              scenarios={scenarios}
              kind={question.kind}
              defaultPercentages={
                saveErrors && saveResult?.submitted
                  ? saveResult.submitted
                  : (viewer.latest?.probabilities ?? baseline)?.map((value) => Math.round(value * 1000) / 10) ?? null
              }
              errors={fieldErrorsOf(saveErrors)}
              disabled={saving}
            />
            <div>
              <label htmlFor={`rationale-${question.id}`} className="block text-sm font-medium text-stone-800 dark:text-stone-200">
                Why? <span className="font-normal text-stone-500 dark:text-stone-400">(optional, markdown)</span>
              </label>
              <textarea
                id={`rationale-${question.id}`}
                name="rationale"
                rows={3}
                maxLength={5_000}
                defaultValue={viewer.latest?.rationale ?? ""}
                aria-invalid={saveErrors?.rationale ? true : undefined}
                aria-describedby={saveErrors?.rationale ? `rationale-${question.id}-error` : undefined}
                className="mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base shadow-sm focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/40 aria-[invalid=true]:border-red-600 dark:border-stone-700 dark:bg-stone-900"
              />
              {saveErrors?.rationale && (
                <p id={`rationale-${question.id}-error`} className="pt-1 text-sm text-red-700 dark:text-red-400">
                  {saveErrors.rationale.join(" ")}
                </p>
              )}
            </div>
            <div className="flex flex-wrap items-center gap-3">
              <button
                type="submit"
                aria-disabled={saving}
                className="inline-flex items-center justify-center rounded-md bg-accent-600 px-4 py-2 font-medium text-white hover:bg-accent-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 focus-visible:ring-offset-2"
              >
                {saving ? "Saving…" : "Save forecast"}
              </button>
            </div>
          </saveFetcher.Form>
          {latest && (
            <withdrawFetcher.Form method="post" action={action} className="mt-3">
              <input type="hidden" name="intent" value="withdraw" />
              <button type="submit" className="text-sm font-medium text-stone-600 underline hover:text-red-700 dark:text-stone-300">
                {withdrawFetcher.state !== "idle" ? "Withdrawing…" : "Withdraw my forecast"}
              </button>
              {withdrawErrors?.[""] && <p role="alert" className="pt-1 text-sm text-red-700 dark:text-red-400">{withdrawErrors[""].join(" ")}</p>}
            </withdrawFetcher.Form>
          )}
        </>
      )}
    </section>
  );
}

/** A crowd figure that lights up briefly when it changes, so a live update catches the eye. */
function CrowdCell({ testId, className, children }: { testId: string; className: string; children: string }) {
  const highlighted = useChangeHighlight(children);
  return (
    <td className={`px-2 py-2 text-right tabular-nums ${className} ${highlightClass(highlighted)}`} data-testid={testId}>
      {children}
    </td>
  );
}

function fieldErrorsOf(errors: Record<string, string[] | null> | undefined): Record<string, string[] | undefined> | undefined {
  if (!errors) return undefined;
  // The whole-vector message ("they add up to 97 %") is shown by the inputs themselves, under "probabilities".
  return Object.fromEntries(Object.entries(errors).map(([name, messages]) => [name, messages ?? undefined]));
}
